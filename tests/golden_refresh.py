"""`make golden`: refresh the golden sample's expected pages after an intended change."""

from tests.golden import refresh

refresh()
