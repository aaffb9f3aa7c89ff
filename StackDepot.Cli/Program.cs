// Placeholder entry point until the CLI lands (issue 5).
return 0;
