"""The papers' numbers and the drivers that rebuild their tables.

One module per paper section. Each holds the numbers the paper reports
(``PAPER_*``, rows keyed by identifiers) and the functions that rerun an
experiment for one seed and summarise many seeds. Notebooks and the thin
command lines under ``benchmarks/`` call the same drivers; display headings
are added by :func:`stealkit.course.compare_with_paper`.
"""
