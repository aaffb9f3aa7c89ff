namespace StackDepot.Cli.Tests.InProcess;

/// <summary>A usage error names the bad value and what was expected, in one line, never a .NET type name.</summary>
public sealed class MessageTests
{
    [Theory]
    [InlineData("--pid takes a process id (a positive whole number), not 'abc'", "stacks", "--pid", "abc")]
    [InlineData("--pid takes a process id (a positive whole number), not '12.5'", "dump", "-o", "x.core", "--pid", "12.5")]
    [InlineData("--samples takes a whole number of at least 1, not 'many'", "stacks", "--pid", "1", "--samples", "many")]
    [InlineData("--max-frames takes a whole number from 1 to 65535, not '1e3'", "stacks", "--pid", "1", "--max-frames", "1e3")]
    [InlineData("--top takes a whole number of at least 0, not 'all'", "stacks", "--pid", "1", "--top", "all")]
    [InlineData("--min-count takes a whole number, not 'x'", "stacks", "--pid", "1", "--min-count", "x")]
    [InlineData("unknown command 'frobnicate' (the commands are ps, stacks, top, alloc, leaks, dump, demo, diff)", "frobnicate")]
    [InlineData("unknown command 'stack' (the commands are ps, stacks, top, alloc, leaks, dump, demo, diff)", "stack", "--pid", "1")]
    [InlineData("give a command: ps, stacks, top, alloc, leaks, dump, demo, diff", "-v")]
    [InlineData("unknown option '--bogus' for 'stackdepot stacks'", "stacks", "--pid", "1", "--bogus")]
    [InlineData("unexpected argument 'extra' for 'stackdepot stacks'", "stacks", "--pid", "1", "extra")]
    public async Task Usage_errors_name_the_bad_value_and_what_is_expected(string message, params string[] args)
    {
        CliResult result = await InProcessCli.RunAsync(args);
        Assert.True(result.ExitCode == 2, result.ToString());
        Reports.AssertOnePlainErrorLine(result);
        Assert.Contains("stackdepot: error: " + message, result.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", result.StdErr, StringComparison.Ordinal);
    }
}
