// Placeholder until the benchmarks land (issue 4).
return 0;
