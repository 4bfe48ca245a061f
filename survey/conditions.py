"""Relevance conditions: a small, safe expression language for skip logic.

A condition is written in Python syntax over item ids, for example
``sector == 1 and employees >= 10`` or ``3 in platforms``. Allowed: names,
numbers, strings, comparisons (``== != < <= > >=``), ``in`` / ``not in``
(membership of a code in a multiple-choice answer, or of an answer in a list),
``and``, ``or``, ``not`` and parentheses. Anything else is refused when the
instrument is loaded.

The same condition is evaluated on a response table (:func:`evaluate`) and
written as an XLSForm ``relevant`` expression (:func:`to_xpath`).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

_CMP = {
    ast.Eq: ("=", "eq"),
    ast.NotEq: ("!=", "ne"),
    ast.Lt: ("<", "lt"),
    ast.LtE: ("<=", "le"),
    ast.Gt: (">", "gt"),
    ast.GtE: (">=", "ge"),
}


class ConditionError(ValueError):
    """A relevance condition uses syntax outside the allowed language."""


def parse(expression: str) -> ast.Expression:
    """Parse and check a condition; raise :class:`ConditionError` when it is not allowed."""
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError as exc:
        raise ConditionError(f"cannot parse condition {expression!r}: {exc.msg}") from None
    for node in ast.walk(tree):
        if not isinstance(
            node,
            (
                ast.Expression,
                ast.BoolOp,
                ast.And,
                ast.Or,
                ast.UnaryOp,
                ast.Not,
                ast.USub,
                ast.Compare,
                ast.Name,
                ast.Load,
                ast.Constant,
                ast.List,
                ast.Tuple,
                ast.In,
                ast.NotIn,
                *_CMP,
            ),
        ):
            raise ConditionError(
                f"condition {expression!r} uses {type(node).__name__}, which is not allowed"
            )
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            if not isinstance(node.operand, ast.Constant):
                raise ConditionError(f"condition {expression!r}: '-' applies only to numbers")
    return tree


def names(expression: str) -> set[str]:
    """Item ids referenced by a condition."""
    return {n.id for n in ast.walk(parse(expression)) if isinstance(n, ast.Name)}


def _const(node: ast.AST):
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant):
        return -node.operand.value
    raise ConditionError("expected a number or a string")


def _literal_xpath(value) -> str:
    if isinstance(value, str):
        return "'" + value.replace("'", "") + "'"
    if isinstance(value, bool):
        return "true()" if value else "false()"
    return repr(value)


def to_xpath(
    expression: str,
    multiple: Iterable[str] = (),
    choice_names: Mapping[str, Mapping[int, str]] | None = None,
) -> str:
    """Translate a condition to an XLSForm/XPath ``relevant`` expression.

    Parameters
    ----------
    expression
        The condition.
    multiple
        Ids of multiple-choice items; ``code in item`` becomes ``selected(${item}, 'name')``.
    choice_names
        Item id → {code: choice name}. XLSForm stores choice names, not codes, so a
        comparison of a choice item with a code is written with the choice's name.
    """
    multiple = set(multiple)
    choice_names = choice_names or {}

    def named(item: str | None, value):
        if item in choice_names and value in choice_names[item]:
            return choice_names[item][value]
        return value

    def item_of(node: ast.AST) -> str | None:
        return node.id if isinstance(node, ast.Name) else None

    def go(node: ast.AST) -> str:
        if isinstance(node, ast.Expression):
            return go(node.body)
        if isinstance(node, ast.BoolOp):
            op = " and " if isinstance(node.op, ast.And) else " or "
            return "(" + op.join(go(v) for v in node.values) + ")"
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return f"not({go(node.operand)})"
        if isinstance(node, ast.Name):
            return "${" + node.id + "}"
        if isinstance(node, (ast.Constant, ast.UnaryOp)):
            return _literal_xpath(_const(node))
        if isinstance(node, ast.Compare):
            parts = []
            left = node.left
            for op, right in zip(node.ops, node.comparators, strict=True):
                parts.append(compare(left, op, right))
                left = right
            return parts[0] if len(parts) == 1 else "(" + " and ".join(parts) + ")"
        raise ConditionError(f"cannot translate {ast.dump(node)}")

    def compare(left: ast.AST, op: ast.cmpop, right: ast.AST) -> str:
        if isinstance(op, (ast.In, ast.NotIn)):
            if isinstance(right, ast.Name) and right.id in multiple:
                code = named(right.id, _const(left))
                text = f"selected(${{{right.id}}}, {_literal_xpath(str(code))})"
            elif isinstance(right, (ast.List, ast.Tuple)):
                lhs = go(left)
                item = item_of(left)
                text = " or ".join(
                    f"{lhs} = {_literal_xpath(named(item, _const(e)))}" for e in right.elts
                )
                text = f"({text})"
            else:
                raise ConditionError("'in' needs a multiple-choice item or a list on its right")
            return f"not({text})" if isinstance(op, ast.NotIn) else text
        lhs, rhs = go(left), go(right)
        if item_of(left) in choice_names and not isinstance(right, ast.Name):
            rhs = _literal_xpath(named(item_of(left), _const(right)))
        if item_of(right) in choice_names and not isinstance(left, ast.Name):
            lhs = _literal_xpath(named(item_of(right), _const(left)))
        return f"{lhs} {_CMP[type(op)][0]} {rhs}"

    return go(parse(expression))


def evaluate(expression: str, frame: pd.DataFrame, multiple: Iterable[str] = ()) -> pd.Series:
    """Evaluate a condition on every row of a response table.

    Missing answers make a comparison false, as in ODK. Multiple-choice answers
    are space-separated codes (``"1 3"``).

    Returns
    -------
    Boolean Series aligned with ``frame``.
    """
    multiple = set(multiple)
    index = frame.index

    def column(name: str) -> pd.Series:
        if name not in frame.columns:
            raise ConditionError(f"condition refers to '{name}', which is not in the data")
        return frame[name]

    def value(node: ast.AST):
        if isinstance(node, ast.Name):
            return column(node.id)
        return _const(node)

    def go(node: ast.AST) -> pd.Series:
        if isinstance(node, ast.Expression):
            return go(node.body)
        if isinstance(node, ast.BoolOp):
            out = go(node.values[0])
            for v in node.values[1:]:
                out = (out & go(v)) if isinstance(node.op, ast.And) else (out | go(v))
            return out
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return ~go(node.operand)
        if isinstance(node, ast.Compare):
            out = pd.Series(True, index=index)
            left = node.left
            for op, right in zip(node.ops, node.comparators, strict=True):
                out &= compare(left, op, right)
                left = right
            return out
        if isinstance(node, ast.Name):
            col = column(node.id)
            present = col.notna()
            # fill before casting: nullable integer columns cannot cast <NA> to bool
            return present & col.where(present, 0).astype(bool)
        raise ConditionError(f"cannot evaluate {ast.dump(node)}")

    def compare(left: ast.AST, op: ast.cmpop, right: ast.AST) -> pd.Series:
        if isinstance(op, (ast.In, ast.NotIn)):
            if isinstance(right, ast.Name) and right.id in multiple:
                code = str(_const(left))
                col = column(right.id)
                hit = col.astype("string").fillna("").str.split().map(lambda xs: code in xs)
                hit = hit.astype(bool)
            elif isinstance(right, (ast.List, ast.Tuple)):
                hit = value(left).isin([_const(e) for e in right.elts])
            else:
                raise ConditionError("'in' needs a multiple-choice item or a list on its right")
            return ~hit if isinstance(op, ast.NotIn) else hit
        lhs, rhs = value(left), value(right)
        method = _CMP[type(op)][1]
        if isinstance(lhs, pd.Series):
            res = getattr(lhs, method)(rhs)
            valid = lhs.notna()
            if isinstance(rhs, pd.Series):
                valid &= rhs.notna()
        elif isinstance(rhs, pd.Series):
            flipped = {"lt": "gt", "le": "ge", "gt": "lt", "ge": "le"}.get(method, method)
            res = getattr(rhs, flipped)(lhs)
            valid = rhs.notna()
        else:
            res = pd.Series(bool(getattr(np.asarray(lhs), f"__{method}__")(rhs)), index=index)
            valid = pd.Series(True, index=index)
        return res.fillna(False).astype(bool) & valid

    return go(parse(expression)).reindex(index).fillna(False).astype(bool)
