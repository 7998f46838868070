"""The flows app's views: `canvas` (what anyone signed in may read) and, beside it, editing."""
