# The two commands of the README, and their helpers.
.PHONY: setup site pdf test check lint bench assignments clean

setup:  ## install Debian and Python packages (idempotent)
	bash scripts/setup.sh

site: setup  ## build both editions into _build/site (Korean at the root, English in en/)
	bash scripts/build_site.sh

pdf: setup  ## the PDF editions, _build/pdf/seq2seq-attention-{ko,en}.pdf (after the site, or it builds it)
	python3 scripts/build_pdf.py

test: setup  ## every test: lint, package, notebooks, the full site build, browser checks
	$(MAKE) --no-print-directory lint
	python3 -m pytest

check: lint  ## the fast tier (two minutes, no site build): lint, package, structure, explorers
	python3 -m pytest -m "not site and not slow"

lint:  ## ruff, lint and format check (88 columns; settings in pyproject.toml)
	python3 -m ruff check .
	python3 -m ruff format --check .

assignments: setup  ## students' notebooks (assignments/student/) and autograder zips (_build/assignments/)
	python3 -m attnlab.classroom generate

bench:  ## per-notebook time and memory, the site build time, model throughput
	python3 benchmarks/run.py --site
	python3 benchmarks/throughput.py
	python3 benchmarks/gru_step.py --output benchmarks/GRU_STEP.md
	python3 benchmarks/explorers.py
	python3 benchmarks/site_weight.py --output benchmarks/SITE_WEIGHT.md
	python3 benchmarks/numerics_cost.py --output benchmarks/NUMERICS_COST.md
	python3 benchmarks/assignments.py --output benchmarks/ASSIGNMENTS.md
	python3 benchmarks/transformer_budget.py --checkpoints 10 20 40 60 --output benchmarks/TRANSFORMER_BUDGET.md

clean:
	rm -rf _build
