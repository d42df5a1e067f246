"""The .gx language: text -> checked AST -> closures that call the engine.

    lexcheck.py   bytes, characters, brackets, indentation (before parsing)
    parse/        the parser (api, cache, grammar, lalr, fast, builder, messages, words)
    nodes.py      the AST node classes, walk(), iter_child_nodes()
    static.py     every static rule, one pass over the AST
    compiler/     AST -> closures (statements, assignments, expressions, fast, scope)
    runtime.py    the per-run state: limits, budget, clock, warnings
    values.py     the values a script sees besides numbers, strings, lists and tensors
    builtins.py   the built-in functions (a flat registry); names.py: the engine ops'
                  names; namespaces.py: torch and np; attributes.py: the attribute
                  allowlist; randomness.py: randint, randperm, normal, bernoulli
    pynum.py      Python-number semantics; sizes.py: sizes checked before allocating;
                  text.py: str()/print() text of values
    convert.py    exceptions -> GxError; errors.py: the error classes and their text
    history_tree.py  the tree print(history(y)) and --graph draw
    fileio.py, limits.py

docs/architecture.md has the same map as a table of "where does X live".
"""
