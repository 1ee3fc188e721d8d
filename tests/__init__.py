"""riskaudit's test suite."""
