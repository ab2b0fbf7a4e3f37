"""Light records: classes whose fields are their annotations, given `__init__`, `__repr__`
and `__eq__` as a dataclass would be.

For the classes every start of `gt` and `bd` defines (a bead, a command's result, its
environment). `dataclasses` imports `inspect`, and with it `ast`, `dis` and `tokenize`, which
cost the commands agents run constantly about a fifth of their own start, and it compiles
each class's methods from source; these are closures. What they keep of a dataclass: fields
in annotation order, positional or keyword construction, defaults (a `Factory` makes a fresh
one per record), equality by type and fields, no hash. Keyword values that are no field are
left out, as the command layer's views always did (a newer host may send a row more than this
version shows). A class's own `__repr__` is kept; fields named in its `__text_hidden__` are
left out of text views (a dataclass field's `metadata={"text": False}`); `replace` and
`field_names` stand for `dataclasses.replace` and `dataclasses.fields`. Nothing else (no
inheritance of fields): a class that needs more stays a dataclass. This module sits at the top
of the package, outside the layers, and imports nothing.
"""

from __future__ import annotations


class Factory:
    """A default made anew for each record, as `dataclasses.field(default_factory=make)`."""

    __slots__ = ("make",)

    def __init__(self, make):
        self.make = make


def record(cls: type) -> type:
    names = tuple(cls.__dict__.get("__annotations__", {}))
    defaults = {n: cls.__dict__[n] for n in names if n in cls.__dict__}
    made = {n: d.make for n, d in defaults.items() if isinstance(d, Factory)}
    for n in made:
        delattr(cls, n)     # the class attribute would shadow nothing, but mislead readers
    plain = {n: d for n, d in defaults.items() if n not in made}
    count = len(names)

    def __init__(self, *args, **kwargs):
        if len(args) > count:
            raise TypeError(f"{cls.__name__}() takes {count} fields, {len(args)} were given")
        values = dict(zip(names, args))
        for key, value in kwargs.items():
            if key in values:
                raise TypeError(f"{cls.__name__}() got field {key!r} twice")
            values[key] = value     # (one that is no field is left out, see above)
        for name in names:
            if name in values:
                setattr(self, name, values[name])
            elif name in plain:
                setattr(self, name, plain[name])
            elif name in made:
                setattr(self, name, made[name]())
            else:
                raise TypeError(f"{cls.__name__}() is missing field {name!r}")

    def __repr__(self):
        return f"{cls.__name__}({', '.join(f'{n}={getattr(self, n)!r}' for n in names)})"

    def __eq__(self, other):
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in names)

    if "__repr__" not in cls.__dict__:
        cls.__repr__ = __repr__
    cls.__init__, cls.__eq__ = __init__, __eq__
    cls.__hash__ = None
    cls.__view_fields__ = names   # what the command layer's renderers show (render.field_names)
    hidden = cls.__dict__.get("__text_hidden__", ())
    cls.__text_fields__ = tuple(n for n in names if n not in hidden)
    return cls


def field_names(obj) -> tuple[str, ...]:
    """The fields of a record (or record class), in order."""
    return (obj if isinstance(obj, type) else type(obj)).__view_fields__


def replace(obj, **changes):
    """A copy of record `obj` with `changes`, as `dataclasses.replace`."""
    for name in changes:
        if name not in type(obj).__view_fields__:
            raise TypeError(f"{type(obj).__name__} has no field {name!r}")
    return type(obj)(**{**{n: getattr(obj, n) for n in type(obj).__view_fields__}, **changes})
