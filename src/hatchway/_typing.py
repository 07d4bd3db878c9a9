"""``TYPE_CHECKING`` without importing :mod:`typing`.

Type checkers take ``if TYPE_CHECKING:`` blocks as true whatever the name is
bound to. Modules whose annotations are only for type checkers import this
one, so that hatchway's runtime loop starts without loading ``typing`` (and
what it brings); modules whose public signatures must resolve at run time
(``typing.get_type_hints(Adapter.__init__)``) import ``typing`` itself.
"""

TYPE_CHECKING = False
