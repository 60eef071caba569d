"""Private helpers of properties' testing tools: strategies, code printing, the session tally."""
