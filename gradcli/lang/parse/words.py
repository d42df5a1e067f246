"""The words of .gx a message or a static rule needs to know (no Lark here)."""

# Python words that are not part of .gx: a clear message instead of "unexpected name".
NOT_SUPPORTED = {
    "raise": "'raise'", "class": "'class' (classes)",
    "global": "'global'", "nonlocal": "'nonlocal'", "try": "'try'",
    "except": "'except'", "finally": "'finally'", "yield": "'yield'", "async": "'async'",
    "await": "'await'",
}

# Keywords of .gx. The contextual lexer reads a keyword as a NAME where no
# keyword is expected, so the static pass checks names against this list.
KEYWORDS = frozenset("""if elif else while for in def return with as assert import from
    pass break continue not and or is lambda del True False None""".split())
