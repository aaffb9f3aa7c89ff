using System.Text.RegularExpressions;

namespace StackDepot.Cli.Tests.InProcess;

/// <summary>The exit codes people read about are the ones the tool returns: docs/cli.md's table and the package's
/// readme list exactly the values of <see cref="ExitCode"/>.</summary>
public sealed partial class ExitCodeDocumentationTests
{
    private static readonly int[] Codes = [.. Enum.GetValues<ExitCode>().Select(c => (int)c).Order()];

    [Fact]
    public void The_exit_code_table_of_the_cli_docs_lists_every_code_once()
    {
        string docs = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "docs", "cli.md"));
        int start = docs.IndexOf("\n## Exit codes", StringComparison.Ordinal);
        Assert.True(start >= 0, "docs/cli.md has no '## Exit codes' section");
        string section = docs[start..docs.IndexOf("\n## ", start + 1, StringComparison.Ordinal)];
        int[] rows = [.. TableRow().Matches(section).Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))];
        Assert.Equal(Codes, rows.Order());
    }

    [Fact]
    public void The_package_readme_names_every_failure_code()
    {
        string readme = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "StackDepot.Cli", "README.md"));
        int start = readme.IndexOf("documented exit code:", StringComparison.Ordinal);
        Assert.True(start >= 0, "the package readme does not list the exit codes");
        int end = readme.IndexOf("SIGTERM)", start, StringComparison.Ordinal);
        Assert.True(end > start, "the exit code list does not end with the SIGTERM code");
        string list = readme[start..end];
        int[] named = [.. Regex.Matches(list, @"\b(\d+)\b").Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))];
        Assert.Equal(Codes.Where(c => c != 0), named.Order());
    }

    [GeneratedRegex(@"(?m)^\| (\d+) \|")]
    private static partial Regex TableRow();
}
