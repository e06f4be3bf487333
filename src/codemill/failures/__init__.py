"""Failing tests' reports: kept when the tests run before a fix (`store`), shown in debugging pairs (`view`)."""
