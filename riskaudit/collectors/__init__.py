"""One adapter per tool. Each runs its tool and returns data (a ToolRun); none prints or exits."""
