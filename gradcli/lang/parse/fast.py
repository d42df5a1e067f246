"""The fast path of the parser: a tokenizer with the indenter folded in, and a tight
LALR loop over Lark's own tables and callbacks. For a valid script they give exactly
what Lark's contextual lexer + GxIndenter + LALR parser give, about three times
faster; on anything unusual they raise and lalr.run parses again the reference way."""
from __future__ import annotations

import re

from lark import Lark
from lark.lexer import Token

from .grammar import MAX_BLOCK_DEPTH

_OPEN_TYPES = ("LPAR", "LSQB")
_CLOSE_TYPES = ("RPAR", "RSQB")


class FastFallback(Exception):
    """The fast tokenizer met something unusual: use Lark's own lexer instead."""


class FastTokenizer:
    """Lark's tokens for gx.lark, with the indenter folded in, in one loop.

    Same terminals (taken from the built parser), same order of preference as
    Lark's lexer (priority, then longest pattern), keywords told from NAME the
    way Lark does. The grammar has no two terminals that a context must choose
    between, so for a valid script this gives exactly the token stream of the
    contextual lexer + GxIndenter, about three times faster. On anything
    unusual (a character no terminal matches, a bad dedent, too deep blocks)
    it raises FastFallback and the caller re-parses with Lark's lexer, which
    produces the error with its position.
    """

    def __init__(self, lark: Lark):
        conf = lark.lexer_conf
        terminals = list(conf.terminals)
        self.ignore = frozenset(conf.ignore)
        name_re = re.compile(next(t for t in terminals if t.name == "NAME").pattern.to_regexp())
        self.keywords = {t.pattern.value: t.name for t in terminals
                         if t.pattern.type == "str" and name_re.fullmatch(t.pattern.value)}
        rest = [t for t in terminals if t.name not in self.keywords.values()]
        rest.sort(key=lambda t: (-t.priority, -t.pattern.max_width, -len(t.pattern.value), t.name))
        self.master = re.compile("|".join(f"(?P<{t.name}>{t.pattern.to_regexp()})" for t in rest))
        self.newline_ignores = frozenset(t.name for t in rest if t.name in self.ignore
                                         and ("\n" in t.pattern.to_regexp()
                                              or "\\n" in t.pattern.to_regexp()))
        self.open = frozenset(_OPEN_TYPES)
        self.close = frozenset(_CLOSE_TYPES)

    def tokens(self, text: str):
        match = self.master.match
        keywords = self.keywords
        ignore, nl_ignores = self.ignore, self.newline_ignores
        opens, closes = self.open, self.close
        new = str.__new__
        T = Token
        pos, n = 0, len(text)
        line, line_start = 1, 0
        depth = 0
        levels = [0]
        tok = None
        while pos < n:
            m = match(text, pos)
            if m is None:
                raise FastFallback
            typ = m.lastgroup
            value = m.group()
            end = m.end()
            if typ in ignore:
                if typ in nl_ignores:
                    k = value.count("\n")
                    if k:
                        line += k
                        line_start = pos + value.rfind("\n") + 1
                pos = end
                continue
            col = pos - line_start + 1
            if typ == "_NEWLINE":
                last_nl = pos + value.rfind("\n")
                end_line = line + value.count("\n")
                end_col = end - last_nl
                if depth == 0:
                    tok = new(T, value)
                    tok.type, tok.value, tok.start_pos, tok.end_pos = typ, value, pos, end
                    tok.line, tok.column, tok.end_line, tok.end_column = line, col, end_line, end_col
                    yield tok
                    indent_str = text[last_nl + 1:end]
                    indent = indent_str.count(" ") + indent_str.count("\t") * 8
                    if indent > levels[-1]:
                        if len(levels) > MAX_BLOCK_DEPTH:
                            raise FastFallback
                        levels.append(indent)
                        yield tok.new_borrow_pos("_INDENT", indent_str, tok)
                    elif indent < levels[-1]:
                        while indent < levels[-1]:
                            levels.pop()
                            yield tok.new_borrow_pos("_DEDENT", indent_str, tok)
                        if indent != levels[-1]:
                            raise FastFallback
                line, line_start = end_line, last_nl + 1
                pos = end
                continue
            if typ == "NAME":
                typ = keywords.get(value, "NAME")
            elif typ in opens:
                depth += 1
            elif typ in closes:
                if depth == 0:
                    raise FastFallback
                depth -= 1
            tok = new(T, value)
            tok.type, tok.value, tok.start_pos, tok.end_pos = typ, value, pos, end
            tok.line, tok.column, tok.end_line, tok.end_column = line, col, line, col + (end - pos)
            yield tok
            pos = end
        while len(levels) > 1:
            levels.pop()
            if tok is not None:
                yield tok.new_borrow_pos("_DEDENT", "", tok)


class FastDriver:
    """Lark's LALR tables and callbacks, driven by a tighter loop.

    The same shift/reduce actions and the same callbacks as Lark's parser
    (lark/parsers/lalr_parser_state.py), with each rule's length, name and
    callback looked up once, and the single-child reductions of inlined
    ``?rules`` (most reductions of an expression ladder) done in place. Any
    error raises; the caller then re-parses the ordinary way for the message.
    """

    def __init__(self, lark: Lark):
        from lark.grammar import NonTerminal
        from lark.parsers.lalr_analysis import Shift
        inner = lark.parser.parser.parser
        table = inner.parse_table
        callbacks = inner.callbacks
        if any(isinstance(k, str) for k in callbacks):
            raise FastFallback          # terminal callbacks: not supported here
        self.start_states = table.start_states
        self.end_states = table.end_states
        self.states = {}
        for state, actions in table.states.items():
            row = {}
            for sym, (action, arg) in actions.items():
                if action is Shift:
                    row[sym] = arg
                else:
                    rule = arg
                    exp = rule.expansion
                    passthrough = (rule.options.expand1 and rule.alias is None and len(exp) == 1
                                   and not exp[0].name.startswith("_")
                                   and (isinstance(exp[0], NonTerminal)
                                        or not getattr(exp[0], "filter_out", False)))
                    row[sym] = (0 if passthrough else len(exp), rule.origin.name,
                                None if passthrough else callbacks[rule])
            self.states[state] = row

    def parse(self, tokens, start: str):
        states = self.states
        end_state = self.end_states[start]
        state_stack = [self.start_states[start]]
        value_stack = []
        push_state, push_value = state_stack.append, value_stack.append
        for tok in tokens:
            typ = tok.type
            while True:
                act = states[state_stack[-1]][typ]
                if type(act) is int:
                    push_state(act)
                    push_value(tok)
                    break
                size, origin, cb = act
                if cb is None:                       # ?rule with one child: keep the value
                    state_stack[-1] = states[state_stack[-2]][origin]
                    continue
                if size:
                    children = value_stack[-size:]
                    del state_stack[-size:]
                    del value_stack[-size:]
                else:
                    children = []
                push_value(cb(children))
                push_state(states[state_stack[-1]][origin])
        while True:
            act = states[state_stack[-1]]["$END"]
            if type(act) is int:
                raise FastFallback
            size, origin, cb = act
            if cb is None:
                state_stack[-1] = states[state_stack[-2]][origin]
            else:
                if size:
                    children = value_stack[-size:]
                    del state_stack[-size:]
                    del value_stack[-size:]
                else:
                    children = []
                push_value(cb(children))
                push_state(states[state_stack[-1]][origin])
            if state_stack[-1] == end_state:
                return value_stack[-1]


def parse_fast(tokenizer: FastTokenizer, driver: FastDriver, text: str, start: str):
    """Parse with the fast tokenizer and driver (raises on any error)."""
    return driver.parse(tokenizer.tokens(text), start)
