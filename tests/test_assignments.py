"""The graded assignments: generation with Otter-Grader, grading, and what students get.

Every assignment is graded with submissions made from its students' notebook, the file
students really edit: filled in with the solution, left blank, filled with plausible
wrong answers, broken (a syntax error, a deleted cell, a renamed function) or stuck in
an endless loop. Hostile submissions are in ``test_grading_attacks.py``.
"""

import json
import re
import time
from pathlib import Path

import nbformat
import psutil
import pytest
from conftest import EDITIONS, ROOT, read_config
from nbclient import NotebookClient

import attnlab
from attnlab import classroom

ASSIGNMENTS = [
    "a1_training_data",
    "a2_seq2seq",
    "a3_attention",
    "a4_query_key_value",
    "a5_beam_search",
    "a6_transformer",
]
MASTERS = {
    (lang, name): ROOT / "assignments" / lang / f"{name}.ipynb"
    for lang in EDITIONS
    for name in ASSIGNMENTS
}
POINTS = {
    "a1_training_data": {"q1": 3, "q2": 2, "q3": 2},
    "a2_seq2seq": {"q1": 2, "q2": 3, "q3": 3},
    "a3_attention": {"q1": 3, "q2": 3, "q3": 2},
    "a4_query_key_value": {"q1": 3, "q2": 2, "q3": 2},
    "a5_beam_search": {"q1": 2, "q2": 2, "q3": 4},
    "a6_transformer": {"q1": 2, "q2": 2, "q3": 4},
}

# The first lines of assignment 6's DecoderLayer, which students are given.
DECODER_HEAD = """class DecoderLayer(nn.Module):
    def __init__(self, embed_size, heads, ff_size):
        super().__init__()
        self.norm1 = nn.LayerNorm(embed_size)
        self.self_attention = MultiHeadAttention(embed_size, heads)
        self.norm2 = nn.LayerNorm(embed_size)
        self.cross_attention = MultiHeadAttention(embed_size, heads)
        self.norm3 = nn.LayerNorm(embed_size)
        self.feed_forward = nn.Sequential(
            nn.Linear(embed_size, ff_size), nn.ReLU(), nn.Linear(ff_size, embed_size)
        )

    def forward(self, y, memory, self_mask, memory_mask):
"""

# Plausible wrong answers, by question (one or two functions each). Each passes the
# public tests the student sees and fails a hidden test.
WRONG = {
    "a1_training_data": {
        "q1": """
def split_without_leakage(pairs, test_fraction=0.2, seed=0):
    pairs = list(pairs)  # splits the pairs, so a repeated text can land on both sides
    random.Random(seed).shuffle(pairs)
    cut = round(test_fraction * len(pairs))
    return pairs[cut:], pairs[:cut]
""",
        "q2": """
def majority_baseline(train, test):
    majority = Counter(label for _, label in test).most_common(1)[0][0]  # peeks at test
    return sum(label == majority for _, label in test) / len(test)
""",
        "q3": """
def evaluate(model, train, test):
    model.fit(train + test)  # the test set leaks into training
    return {"train": accuracy(model, train), "test": accuracy(model, test)}
""",
    },
    "a2_seq2seq": {
        "q2": """
def train_step(model, optimizer, batch):
    logits = model(batch.src, batch.src_lengths, batch.tgt_in)
    loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)),
                           batch.tgt_out.reshape(-1))  # counts the padding too
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()
""",
        "q3": """
def greedy_decode(model, src, src_lengths, max_len=20):
    state = model.encode(src, src_lengths)
    sos = torch.full((src.size(0),), SOS, device=src.device)
    outputs = []
    for _ in range(max_len):
        logits, state = model.decode_step(sos, state)  # never feeds back its prediction
        outputs.append(logits.argmax(dim=-1))
        if (torch.stack(outputs, dim=1) == EOS).any(dim=1).all():
            break
    return torch.stack(outputs, dim=1)
""",
    },
    "a3_attention": {
        "q1": """
def masked_softmax(scores, mask):
    return torch.softmax(scores, dim=-1)  # ignores the mask
""",
        "q2": """
def general_score(query, keys, W):
    return dot_score(query, keys @ W)  # W transposed: s . W^T h_i
""",
    },
    "a4_query_key_value": {
        "q1": """
def scaled_dot_product_attention(query, key, value, mask=None):
    scores = query @ key.transpose(1, 2)  # forgets to divide by sqrt(d)
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return weights @ value, weights
""",
        "q2": """
def split_heads(x, heads):
    batch, seq, embed = x.shape
    # no transpose: heads mix positions
    return x.view(batch, heads, seq, embed // heads)


def merge_heads(x):
    batch, heads, seq, d = x.shape
    return x.reshape(batch, seq, heads * d)  # undoes the view above, and nothing else
""",
    },
    "a5_beam_search": {
        "q1": """
def sequence_log_prob(probs, tokens):
    return probs.gather(1, tokens.unsqueeze(1)).sum().log()  # sums the probabilities
""",
        "q2": """
def best_hypothesis(hypotheses, alpha):
    return max(hypotheses, key=lambda h: h[1])  # forgets the length normalisation
""",
        "q3": """
def beam_step(scores, next_log_probs, ended, width):
    beams = next_log_probs.size(0)
    stay = torch.full_like(next_log_probs, float("-inf"))
    stay[:, EOS] = 0.0
    step = torch.where(ended.unsqueeze(-1), stay, next_log_probs)
    candidates = scores.unsqueeze(-1) + step
    best, token = candidates.topk(width // beams, dim=-1)  # each beam keeps its share
    beam = torch.arange(beams, device=scores.device).unsqueeze(-1).expand_as(token)
    best, order = best.flatten().sort(descending=True)
    return best, beam.flatten()[order], token.flatten()[order]
""",
    },
    "a6_transformer": {
        "q1": """
def positional_encoding(length, size):
    position = torch.arange(length, dtype=torch.float32).unsqueeze(1)
    i = torch.arange(size // 2, dtype=torch.float32)
    angle = position / 10000 ** (i / size)  # i where 2i is meant
    encoding = torch.zeros(length, size)
    encoding[:, 0::2], encoding[:, 1::2] = torch.sin(angle), torch.cos(angle)
    return encoding
""",
        "q2": """
def causal_mask(length, device=None):
    return torch.ones(length, length, dtype=torch.bool, device=device).triu()  # future
""",
        "q3": DECODER_HEAD
        + """        # post-norm: the residual added first, the sum normalised
        y = self.norm1(y + self.self_attention(y, y, y, self_mask)[0])
        y = self.norm2(y + self.cross_attention(y, memory, memory, memory_mask)[0])
        return self.norm3(y + self.feed_forward(y))
""",
    },
}

# Wrong answers that full marks used to let through: a split that depends on the
# order of a set (it changes between Python processes), tensors made off the input's
# device, and shapes lost to .squeeze() for a batch of one.
GAPS = {
    "a1_training_data": {
        "q1": """
def split_without_leakage(pairs, test_fraction=0.2, seed=0):
    texts = list(set(text for text, _ in pairs))  # a set's order changes between runs
    random.Random(seed).shuffle(texts)
    test_texts = set(texts[:round(test_fraction * len(texts))])
    train = [pair for pair in pairs if pair[0] not in test_texts]
    test = [pair for pair in pairs if pair[0] in test_texts]
    return train, test
""",
    },
    "a2_seq2seq": {
        "q1": """
def decoder_inputs(tgt_out):
    sos = torch.full((tgt_out.size(0), 1), SOS)  # on the CPU, wherever tgt_out is
    return torch.cat([sos, tgt_out[:, :-1]], dim=1)
""",
    },
    "a3_attention": {
        "q1": """
def masked_softmax(scores, mask):
    blocked = torch.full(scores.shape, float("-inf"))  # on the CPU
    return torch.softmax(torch.where(mask, scores, blocked), dim=-1)
""",
        "q2": """
def additive_score(query, keys, W_q, W_k, v):
    mixed = torch.tanh((query @ W_q.T).unsqueeze(1) + keys @ W_k.T)
    return (mixed @ v.unsqueeze(1)).squeeze()  # drops a batch of one too
""",
        "q3": """
def context_vector(weights, values):
    return torch.bmm(weights.unsqueeze(1), values).squeeze()  # drops a batch of one
""",
    },
    "a4_query_key_value": {
        "q1": """
def scaled_dot_product_attention(query, key, value, mask=None):
    scores = query @ key.transpose(1, 2) / math.sqrt(query.size(-1))
    if mask is not None:
        blocked = torch.full(scores.shape, float("-inf"))  # on the CPU
        scores = torch.where(mask, scores, blocked)
    weights = torch.softmax(scores, dim=-1)
    return weights @ value, weights
""",
    },
    "a5_beam_search": {
        "q1": """
def sequence_log_prob(probs, tokens):
    return probs.gather(1, tokens.unsqueeze(1)).prod().log()  # 0 for long sequences
""",
        "q2": """
def best_hypothesis(hypotheses, alpha):  # multiplies by the penalty
    return max(hypotheses, key=lambda h: h[1] * length_penalty(len(h[0]), alpha))
""",
        "q3": """
def beam_step(scores, next_log_probs, ended, width):
    vocab = next_log_probs.size(-1)
    candidates = scores.unsqueeze(-1) + next_log_probs  # ended hypotheses grow too
    best, index = candidates.flatten().topk(width)
    return best, index // vocab, index % vocab
""",
    },
    "a6_transformer": {
        "q1": """
def positional_encoding(length, size):
    position = torch.arange(length, dtype=torch.float32).unsqueeze(1)
    two_i = torch.arange(0, size, 2, dtype=torch.float32)
    encoding = torch.zeros(length, size)
    encoding[:, 0::2] = torch.sin(position / 10000 ** (two_i / size))
    encoding[:, 1::2] = torch.cos(position / 10000 ** ((two_i + 1) / size))  # own i
    return encoding
""",
        "q2": """
def causal_mask(length, device=None):
    return torch.ones(length, length, dtype=torch.bool).tril()  # on the CPU
""",
        "q3": DECODER_HEAD
        + """        h = self.norm1(y)
        y = y + self.self_attention(h, h, h, self_mask)[0]
        h = self.norm2(y)  # queries from the encoder, keys and values from the decoder
        y = y + self.cross_attention(memory, h, h, memory_mask)[0]
        return y + self.feed_forward(self.norm3(y))
""",
    },
}

# A function that never returns, one per assignment.
ENDLESS = {
    "a1_training_data": """
def split_without_leakage(pairs, test_fraction=0.2, seed=0):
    test, train_texts = list(pairs), set()
    while len(test) > test_fraction * len(pairs):  # test never shrinks
        train_texts.add(test[0][0])  # meant to move the pair out of test
    return [pair for pair in pairs if pair[0] in train_texts], test
""",
    "a2_seq2seq": """
def greedy_decode(model, src, src_lengths, max_len=20):
    state = model.encode(src, src_lengths)
    token = torch.full((src.size(0),), SOS, device=src.device)
    outputs = []
    while True:  # waits for every sentence to end, all at once, ignoring max_len
        logits, state = model.decode_step(token, state)
        token = logits.argmax(dim=-1)
        outputs.append(token)
        if (token == EOS).all():
            return torch.stack(outputs, dim=1)
""",
    "a3_attention": """
def masked_softmax(scores, mask):
    weights = torch.softmax(scores, dim=-1)
    while weights.sum() > 0:  # "until the padding is zero", but never stops
        weights = torch.softmax(weights, dim=-1)
    return weights
""",
    "a4_query_key_value": """
def scaled_dot_product_attention(query, key, value, mask=None):
    d = query.size(-1)
    while d > 0:  # d is never changed
        scale = d ** 0.5
    return None, None
""",
    "a5_beam_search": """
def sequence_log_prob(probs, tokens):
    total, t = 0.0, 0
    while t < len(tokens):  # t is never increased
        total = total + probs[t, tokens[t]].log()
    return total
""",
    "a6_transformer": """
def positional_encoding(length, size):
    encoding, pos = torch.zeros(length, size), 0
    while pos < length:  # pos is never increased
        encoding[pos, 0::2] = math.sin(pos)
    return encoding
""",
}


def answer_cells(notebook):
    return classroom.tagged_cells(notebook, "otter_answer_cell")


def replace_function(notebook, new_source):
    """Swap one function or class of an answer cell for ``new_source`` (same name)."""
    kind, name = re.search(
        r"^(def|class) (\w+)\(", new_source, flags=re.MULTILINE
    ).groups()
    pattern = re.compile(
        rf"^{kind} {name}\(.*?\n(?=\S|\Z)", flags=re.MULTILINE | re.DOTALL
    )
    for cell in answer_cells(notebook):
        if pattern.search(cell.source + "\n"):
            cell.source = (
                pattern.sub(
                    lambda _: new_source.strip() + "\n\n\n", cell.source + "\n", count=1
                ).rstrip()
                + "\n"
            )
            return notebook
    raise AssertionError(f"no answer cell defines {name}")


def grade(paths, notebook, tmp_path, label, timeout=300):
    submission = tmp_path / f"{label}.ipynb"
    nbformat.write(notebook, submission)
    return classroom.grade_submission(
        paths["autograder"], submission, tmp_path / label, timeout=timeout
    )


# ---------------------------------------------------------------- the masters


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_each_assignment_has_a_master_in_both_editions(name):
    for lang in EDITIONS:
        assert MASTERS[lang, name].exists(), f"missing {MASTERS[lang, name]}"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_code_and_tests_are_identical_in_both_editions(name):
    """Only prose and the setup cell's language differ between the editions."""

    def code(lang):
        notebook = nbformat.read(MASTERS[lang, name], as_version=4)
        return [
            cell.source.replace(f'lang="{lang}"', 'lang="??"')
            for cell in notebook.cells
            if cell.cell_type in ("code", "raw")
        ]

    assert code("ko") == code("en")


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_code_lines_fit_in_88_characters(name):
    cells = nbformat.read(MASTERS["en", name], as_version=4).cells
    long = [
        line
        for cell in cells
        if cell.cell_type == "code"
        for line in cell.source.splitlines()
        if len(line) > 88
    ]
    assert not long, long[:3]


@pytest.mark.parametrize("lang", EDITIONS)
@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_master_starts_with_config_title_setup_and_grader(lang, name):
    cells = nbformat.read(MASTERS[lang, name], as_version=4).cells
    assert cells[0].cell_type == "raw" and cells[0].source.startswith(
        "# ASSIGNMENT CONFIG"
    )
    assert f"name: {name}" in cells[0].source
    assert cells[1].cell_type == "markdown" and cells[1].source.startswith("# ")
    assert (
        cells[2].source.startswith("# Setup:") and f'lang="{lang}"' in cells[2].source
    )
    url = read_config(lang)["repository"]["url"]
    assert f'"attnlab[classroom] @ git+{url}@v{attnlab.__version__}"' in cells[2].source
    assert classroom.GRADER_LINE in cells[3].source
    assert not any(cell.get("outputs") for cell in cells if cell.cell_type == "code")


# ---------------------------------------------------------------- generation


@pytest.mark.parametrize("lang", EDITIONS)
@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_generation_makes_a_notebook_and_a_bundle(generated, lang, name):
    paths = generated[lang, name]
    assert paths["student"].exists() and paths["autograder"].suffix == ".zip"
    assert classroom.questions(paths["autograder"]) == POINTS[name]


@pytest.mark.parametrize("lang", EDITIONS)
@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_published_students_notebooks_are_up_to_date(generated, lang, name):
    """The site and Colab serve assignments/student/; it must match the masters."""
    published = ROOT / "assignments" / "student" / lang / f"{name}.ipynb"
    assert published.exists(), (
        "run `make assignments` to publish the students' notebooks"
    )
    fresh = nbformat.read(generated[lang, name]["student"], as_version=4)
    kept = nbformat.read(published, as_version=4)
    assert kept == fresh, f"{published} is stale: run `make assignments`"


def stripped_lines(text):
    return {line.strip() for line in text.splitlines() if line.strip()}


def secret_lines(master):
    """Lines of hidden tests and of solutions (between Otter's solution markers) that
    appear nowhere a student may look: not in public tests, prose or other code."""
    secret, visible, in_tests = set(), set(), False
    for cell in nbformat.read(master, as_version=4).cells:
        if cell.cell_type == "raw":
            in_tests = {"# BEGIN TESTS": True, "# END TESTS": False}.get(
                cell.source.strip(), in_tests
            )
            continue
        if in_tests and cell.source.startswith("# HIDDEN"):
            secret |= stripped_lines(cell.source)
            continue
        parts = re.split(
            r"^\s*# (?:BEGIN|END) SOLUTION\n?", cell.source, flags=re.MULTILINE
        )
        for i, part in enumerate(parts):  # odd parts lie between the markers
            (secret if i % 2 else visible).update(stripped_lines(part))
    return {line for line in secret - visible if len(line) >= 8 and line != "# HIDDEN"}


def students_lines(notebook_path, tests_dir):
    """Every line a student can read: the notebook's cells, the public tests inside
    it, and the public test files."""
    import ast

    lines = set()
    for cell in nbformat.read(notebook_path, as_version=4).cells:
        lines |= stripped_lines(cell.source)
        if cell.source.startswith(classroom.PUBLIC_TESTS_TITLE):
            literal = cell.source[cell.source.index("{") : cell.source.index("\n}") + 2]
            for text in ast.literal_eval(literal).values():
                lines |= stripped_lines(text)
    for path in Path(tests_dir).glob("*.py"):
        lines |= stripped_lines(path.read_text(encoding="utf-8"))
    return lines


@pytest.mark.parametrize("lang", EDITIONS)
@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_students_files_hold_no_hidden_test_and_no_solution(generated, lang, name):
    secret = secret_lines(MASTERS[lang, name])
    assert any(line.startswith("def test_") for line in secret), "no hidden test found"
    assert any(line.startswith("return ") for line in secret), "no solution found"
    paths = generated[lang, name]
    tests_dir = paths["student"].parent / "student" / "tests"
    for notebook in (
        paths["student"],
        ROOT / "assignments" / "student" / lang / f"{name}.ipynb",
    ):
        leaked = secret & students_lines(notebook, tests_dir)
        assert not leaked, f"{notebook.name} reveals: {sorted(leaked)[:3]}"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_students_notebook_carries_its_public_tests(generated, name):
    """Colab has no tests/ folder: the public tests travel inside the notebook, in a
    cell the autograder skips (otter_ignore), before the grader cell."""
    notebook = nbformat.read(generated["en", name]["student"], as_version=4)
    index = next(
        i
        for i, cell in enumerate(notebook.cells)
        if cell.source.startswith(classroom.PUBLIC_TESTS_TITLE)
    )
    cell = notebook.cells[index]
    assert "otter_ignore" in cell.metadata["tags"]
    assert classroom.GRADER_LINE in notebook.cells[index + 1].source
    for question in POINTS[name]:
        assert f"'{question}.py':" in cell.source
    assert [c.id for c in notebook.cells] == [
        f"cell-{i:02d}" for i in range(len(notebook.cells))
    ]


@pytest.mark.parametrize("lang", EDITIONS)
@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_hidden_tests_are_described_and_hold_most_points(generated, lang, name):
    """Every hidden test has a description in both languages (all a student reads of
    it), and the public tests of a question hold at most a quarter of its points."""
    from attnlab.grading import case_points, load_test_file

    for source in classroom.bundle_tests(generated[lang, name]["autograder"]).values():
        question, total, cases = load_test_file(source)
        public = sum(
            points
            for case, points in zip(cases, case_points(total, cases))
            if not case.hidden
        )
        assert 0 < public <= total / 4, (question, public, total)
        for case in cases:
            if case.hidden:
                en, ko = case.describe("en"), case.describe("ko")
                assert en and ko and en != ko and "ko:" not in en, case.name
                assert re.search("[가-힣]", ko), case.name


# ---------------------------------------------------------------- grading


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_solution_gets_full_marks(generated, tmp_path, name):
    paths = generated["en", name]
    result = grade(paths, classroom.solved(paths), tmp_path, "solution")
    assert result["status"] == "graded", result
    assert result["scores"] == POINTS[name]
    assert all(result["public"].values()) and set(result["public"]) == set(POINTS[name])


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_blank_notebook_gets_zero(generated, tmp_path, name):
    paths = generated["en", name]
    result = grade(
        paths, nbformat.read(paths["student"], as_version=4), tmp_path, "blank"
    )
    assert result["status"] == "graded", result
    assert result["scores"] == {question: 0 for question in POINTS[name]}
    assert not any(result["public"].values())
    report = (tmp_path / "blank" / "results.json").read_text(encoding="utf-8")
    assert "returned nothing. Replace the `...` with your code" in report


@pytest.mark.parametrize("name", ASSIGNMENTS)
@pytest.mark.parametrize("table", ["WRONG", "GAPS"])
def test_wrong_answers_pass_public_tests_and_lose_most_of_the_question(
    generated, tmp_path, name, table
):
    """Caught by hidden tests only, a wrong answer loses most of its question: the
    hidden tests of a question count together and hold at least 75% of it."""
    answers = globals()[table][name]
    paths = generated["en", name]
    notebook = classroom.solved(paths)
    for sources in answers.values():
        for source in re.split(r"\n(?=def )", sources.strip()):
            replace_function(notebook, source)
    result = grade(paths, notebook, tmp_path, "wrong")
    assert result["status"] == "graded", result
    for question, points in POINTS[name].items():
        if question not in answers:
            continue  # may depend on a wrong answer (a4's q3 calls q2's functions)
        assert result["public"][question], (
            f"{question}: the wrong answer fails a public test"
        )
        assert result["scores"][question] <= points / 4, (
            f"{question}: the wrong answer keeps {result['scores'][question]} of "
            f"{points} points"
        )


# The mistakes assignments 5 and 6 are written to catch, each with the hidden test
# that catches it, graded in rounds of one mistake per question.
MISTAKES = {
    "a5_beam_search": [
        {
            "q1": (
                "sums the probabilities",
                """
def sequence_log_prob(probs, tokens):
    return probs.gather(1, tokens.unsqueeze(1)).sum()
""",
                "test_adds_the_log_probability_of_every_step",
            ),
            "q2": (
                "forgets the length normalisation",
                WRONG["a5_beam_search"]["q2"],
                "test_normalisation_can_make_a_longer_hypothesis_win",
            ),
            "q3": (
                "grows hypotheses that have ended",
                GAPS["a5_beam_search"]["q3"],
                "test_an_ended_hypothesis_is_not_grown",
            ),
        },
        {
            "q1": (
                "takes the log of the summed probabilities",
                WRONG["a5_beam_search"]["q1"],
                "test_adds_the_log_probability_of_every_step",
            ),
            "q2": (
                "multiplies by the length penalty",
                GAPS["a5_beam_search"]["q2"],
                "test_normalisation_can_make_a_longer_hypothesis_win",
            ),
            "q3": (
                "keeps the top k of each beam",
                """
def beam_step(scores, next_log_probs, ended, width):
    stay = torch.full_like(next_log_probs, float("-inf"))
    stay[:, EOS] = 0.0
    step = torch.where(ended.unsqueeze(-1), stay, next_log_probs)
    best, token = (scores.unsqueeze(-1) + step).topk(width, dim=-1)  # per beam
    beam = torch.arange(len(scores), device=scores.device).unsqueeze(-1)
    beam = beam.expand_as(token)
    return best.flatten()[:width], beam.flatten()[:width], token.flatten()[:width]
""",
                "test_every_candidate_names_its_beam_and_token",
            ),
        },
        {
            "q1": (
                "multiplies the probabilities",
                GAPS["a5_beam_search"]["q1"],
                "test_a_long_sequence_gets_a_finite_score",
            ),
            "q3": (
                "a beam of one that is not greedy decoding",
                """
def beam_step(scores, next_log_probs, ended, width):
    stay = torch.full_like(next_log_probs, float("-inf"))
    stay[:, EOS] = 0.0
    step = torch.where(ended.unsqueeze(-1), stay, next_log_probs)
    best, index = (scores.unsqueeze(-1) + step).flatten().topk(width)
    return best, index // width, index % width  # width where vocab is meant
""",
                "test_a_beam_of_one_is_greedy_decoding",
            ),
        },
        {
            "q3": (
                "each beam keeps its share of the width",
                WRONG["a5_beam_search"]["q3"],
                "test_candidates_of_all_beams_are_ranked_together",
            ),
        },
    ],
    "a6_transformer": [
        {
            "q1": (
                "sine and cosine swapped",
                """
def positional_encoding(length, size):
    position = torch.arange(length, dtype=torch.float32).unsqueeze(1)
    angle = position / 10000 ** (torch.arange(0, size, 2) / size)
    encoding = torch.zeros(length, size)
    encoding[:, 0::2], encoding[:, 1::2] = torch.cos(angle), torch.sin(angle)
    return encoding
""",
                "test_every_feature_follows_its_equation",
            ),
            "q2": (
                "a mask that lets a position see the future",
                WRONG["a6_transformer"]["q2"],
                "test_a_position_sees_itself_and_the_past_never_the_future",
            ),
            "q3": (
                "the residual added after the normalisation",
                WRONG["a6_transformer"]["q3"],
                "test_equals_pytorchs_decoder_layer_with_norm_first",
            ),
        },
        {
            "q1": (
                "wrong frequencies",
                WRONG["a6_transformer"]["q1"],
                "test_every_feature_follows_its_equation",
            ),
            "q2": (
                "a mask that hides a position from itself",
                """
def causal_mask(length, device=None):
    return torch.ones(length, length, dtype=torch.bool, device=device).tril(-1)
""",
                "test_a_position_sees_itself_and_the_past_never_the_future",
            ),
            "q3": (
                "cross-attention that takes its queries from the encoder",
                GAPS["a6_transformer"]["q3"],
                "test_queries_come_from_the_decoder",
            ),
        },
        {
            "q3": (
                "the residual taken from the normalised input",
                DECODER_HEAD
                + """        y = self.norm1(y)
        y = y + self.self_attention(y, y, y, self_mask)[0]
        h = self.norm2(y)
        y = y + self.cross_attention(h, memory, memory, memory_mask)[0]
        return y + self.feed_forward(self.norm3(y))
""",
                "test_equals_pytorchs_decoder_layer_with_norm_first",
            ),
        },
        {
            "q3": (
                "the masks left out",
                DECODER_HEAD
                + """        h = self.norm1(y)
        y = y + self.self_attention(h, h, h)[0]
        h = self.norm2(y)
        y = y + self.cross_attention(h, memory, memory)[0]
        return y + self.feed_forward(self.norm3(y))
""",
                "test_masks_are_obeyed",
            ),
        },
    ],
}


@pytest.mark.parametrize(
    "name, mistakes",
    [(name, r) for name, rounds in MISTAKES.items() for r in rounds],
    ids=lambda value: (
        value
        if isinstance(value, str)
        else ", ".join(mistake for mistake, _, _ in value.values())
    ),
)
def test_named_mistakes_are_caught_by_their_hidden_test(
    generated, tmp_path, name, mistakes
):
    paths = generated["en", name]
    notebook = classroom.solved(paths)
    for _, source, _ in mistakes.values():
        replace_function(notebook, source)
    result = grade(paths, notebook, tmp_path, "mistakes")
    assert result["status"] == "graded", result
    failed = {r["test"] for r in result["tests"] if not r["passed"]}
    for question, (mistake, _, catcher) in mistakes.items():
        assert catcher in failed, f"{mistake}: {catcher} passes"
        points = POINTS[name][question]
        assert result["scores"][question] <= points / 4, (mistake, result["scores"])
    for question in set(POINTS[name]) - set(mistakes):
        assert result["scores"][question] == POINTS[name][question]


# What the given cell at the end of an assignment prints with the solutions, as the
# text before it announces (the cell's first line, what it prints, the text's words).
PROMISES = {
    "a5_beam_search": (
        "for width in (1, 2):",
        ["width 1: a c <eos>  p = 0.144", "width 2: b <eos>    p = 0.360"],
        ['"a c <eos>"', "$p = 0.144$", '"b <eos>"', "$p = 0.360$"],
    ),
    "a6_transformer": (
        "torch.manual_seed(0)",
        ["earlier positions unchanged: True", "last position changed: True"],
        ["`True`"],
    ),
}


@pytest.mark.parametrize("name", PROMISES)
def test_the_last_cell_prints_what_the_text_promises(generated, tmp_path, name):
    first_line, printed_lines, words = PROMISES[name]
    paths = generated["en", name]
    notebook = classroom.solved(paths)
    run_students_notebook(notebook, tmp_path / "student")
    printed = "".join(
        out.get("text", "")
        for cell in notebook.cells
        if cell.source.startswith(first_line)
        for out in cell.outputs
    )
    for line in printed_lines:
        assert line in printed, printed
    for lang in EDITIONS:
        cells = nbformat.read(MASTERS[lang, name], as_version=4).cells
        prose = "".join(c.source for c in cells if c.cell_type == "markdown")
        assert all(word in prose for word in words), (lang, name)


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_endless_loop_is_stopped_and_scores_zero(generated, tmp_path, name):
    paths = generated["en", name]
    notebook = replace_function(classroom.solved(paths), ENDLESS[name])
    start = time.perf_counter()
    result = grade(paths, notebook, tmp_path, "endless", timeout=10)
    assert result["status"] == "timeout", result
    assert time.perf_counter() - start < 10 + 30
    assert not psutil.Process().children(recursive=True), "a grading process is left"


def test_endless_loop_in_one_test_loses_only_that_question(generated, tmp_path):
    """Each test has its own time limit: past it, that test fails, and the other
    questions are graded as usual."""
    paths = generated["en", "a3_attention"]
    notebook = replace_function(classroom.solved(paths), ENDLESS["a3_attention"])
    submission = tmp_path / "slow.ipynb"
    nbformat.write(notebook, submission)
    result = classroom.grade_submission(
        paths["autograder"], submission, tmp_path / "slow", timeout=120, test_timeout=2
    )
    assert result["status"] == "graded", result
    assert result["scores"] == {"q1": 0, "q2": 3, "q3": 2}
    slow = [r for r in result["tests"] if not r["passed"]]
    assert slow and all(r["question"] == "q1" for r in slow)
    assert "did not finish within 2 s" in slow[0]["message"]


def bad_notebook(paths, name):
    """A syntax error (a1), a deleted answer cell (a2), a renamed function (a3)."""
    notebook = classroom.solved(paths)
    first = answer_cells(notebook)[0]
    if name == "a1_training_data":
        first.source = first.source.replace("seed=0):", "seed=0:", 1)
    elif name == "a2_seq2seq":
        notebook.cells.remove(first)
    else:
        first.source = first.source.replace(
            "def masked_softmax(", "def masked_soft_max(", 1
        )
    return notebook


@pytest.mark.parametrize("name", ["a1_training_data", "a2_seq2seq", "a3_attention"])
def test_broken_notebook_loses_only_that_question(generated, tmp_path, name):
    paths = generated["en", name]
    result = grade(paths, bad_notebook(paths, name), tmp_path, "broken")
    assert result["status"] == "graded", result
    assert result["scores"]["q1"] == 0 and not result["public"]["q1"]
    for question in ("q2", "q3"):
        assert result["scores"][question] == POINTS[name][question]
    report = (tmp_path / "broken" / "results.json").read_text(encoding="utf-8")
    missing = {
        "a1_training_data": "split_without_leakage",
        "a2_seq2seq": "decoder_inputs",
        "a3_attention": "masked_softmax",
    }[name]
    assert f"There is no function `{missing}`" in report


def test_korean_notebook_speaks_korean(generated, tmp_path):
    paths = generated["ko", "a1_training_data"]
    result = grade(
        paths, nbformat.read(paths["student"], as_version=4), tmp_path, "blank"
    )
    assert result["scores"] == {question: 0 for question in POINTS["a1_training_data"]}
    report = json.loads(
        (tmp_path / "blank" / "results.json").read_text(encoding="utf-8")
    )
    assert "아무것도 돌려주지 않았습니다" in report["tests"][0]["message"]
    feedback = (tmp_path / "blank" / "feedback.txt").read_text(encoding="utf-8")
    assert "(숨긴 테스트): 같은 텍스트가 훈련 세트와 테스트 세트에" in feedback


def test_grade_command_writes_a_row_per_submission(generated, tmp_path):
    """``python -m attnlab.classroom grade``: a good notebook and a file that is not."""
    import csv
    import subprocess
    import sys

    paths = generated["en", "a3_attention"]
    folder = tmp_path / "submissions"
    folder.mkdir()
    nbformat.write(classroom.solved(paths), folder / "kim.ipynb")
    (folder / "lee.ipynb").write_text("this is not a notebook", encoding="utf-8")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "attnlab.classroom",
            "grade",
            str(paths["autograder"]),
            str(folder),
            "--out",
            str(tmp_path / "graded"),
            "--timeout",
            "120",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    with open(tmp_path / "graded" / "grades.csv", encoding="utf-8") as f:
        rows = {row["submission"]: row for row in csv.DictReader(f)}
    assert (
        rows["kim.ipynb"]["status"] == "graded"
        and float(rows["kim.ipynb"]["total"]) == 8
    )
    assert (
        rows["lee.ipynb"]["status"] == "error"
        and float(rows["lee.ipynb"]["total"]) == 0
    )
    assert float(rows["lee.ipynb"]["possible"]) == 8


# ---------------------------------------------------------------- the student's view


def run_students_notebook(notebook, folder):
    """Run a students' notebook as Jupyter or Colab would: alone in an empty folder."""
    folder.mkdir()
    NotebookClient(
        notebook,
        timeout=300,
        allow_errors=True,
        resources={"metadata": {"path": str(folder)}},
    ).execute()
    return {
        cell.source: "".join(
            str(out.get("text", "")) + str(out.get("data", {})) for out in cell.outputs
        )
        for cell in notebook.cells
        if cell.source.startswith("grader.check(")
    }


def test_public_checks_work_with_no_tests_folder(generated, tmp_path):
    paths = generated["en", "a3_attention"]
    checks = run_students_notebook(classroom.solved(paths), tmp_path / "student")
    assert set(checks) == {f'grader.check("{q}")' for q in POINTS["a3_attention"]}
    for question, output in checks.items():
        assert "All test cases passed" in output, f"{question}: {output[:300]}"


def test_public_checks_explain_in_korean(generated, tmp_path):
    paths = generated["ko", "a3_attention"]
    notebook = nbformat.read(paths["student"], as_version=4)
    checks = run_students_notebook(notebook, tmp_path / "student")
    assert "아무것도 돌려주지 않았습니다" in checks['grader.check("q1")']


# ---------------------------------------------------------------- the site's pages


@pytest.mark.parametrize("lang", EDITIONS)
def test_assignments_page_links_every_students_notebook(lang):
    """Download links point at the committed files; Colab links at the same files on
    GitHub, at the repository and branch of the book's config."""
    page = (ROOT / "chapters" / lang / "assignments.md").read_text(encoding="utf-8")
    repository = read_config(lang)["repository"]
    colab = (
        "https://colab.research.google.com/github/"
        + repository["url"].removeprefix("https://github.com/")
        + f"/blob/{repository['branch']}/"
    )
    for name in ASSIGNMENTS:
        path = f"assignments/student/{lang}/{name}.ipynb"
        assert (ROOT / path).exists()
        assert f"<../../{path}>`" in page, f"no download link to {path}"
        assert colab + path in page, f"no Colab link to {path}"
    links = re.findall(r"https://colab\.research\.google\.com/\S+?\.ipynb", page)
    assert len(links) == len(ASSIGNMENTS) and all(
        link.startswith(colab) for link in links
    )


# ---------------------------------------------------------------- attnlab.checks


@pytest.mark.parametrize(
    "lang, words", [("ko", "모양은 (2, 3)이어야"), ("en", "should have shape (2, 3)")]
)
def test_check_messages_follow_the_language(lang, words):
    import torch

    from attnlab import checks, set_language

    set_language(lang)
    try:
        with pytest.raises(AssertionError, match=re.escape(words)):
            checks.has_shape(torch.zeros(3, 2), (2, 3), "weights")
    finally:
        set_language("en")


def test_is_close_fails_on_nan_and_on_wrong_values():
    import torch

    from attnlab import checks

    checks.is_close(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0]), "x")
    checks.is_close(0.75, 0.75, "baseline")
    for actual, expected in [
        (torch.tensor([float("nan")]), torch.tensor([1.0])),
        (torch.tensor([1.0, 2.1]), torch.tensor([1.0, 2.0])),
        (float("nan"), 1.0),
        (None, 1.0),
        ("0.75", 0.75),
    ]:
        with pytest.raises(AssertionError):
            checks.is_close(actual, expected, "x")
    with pytest.raises(AssertionError, match="There is no function `f`"):
        checks.is_function(None, "f")
