using System.Diagnostics;
using System.Text.Json;

namespace StackDepot.Cli.Tests;

/// <summary>One stack read back from a <c>stackdepot.report/1</c> JSON document.</summary>
internal sealed record JsonStack(long[] Values, int[] ThreadIds, string[] Frames, string[] Modules);

/// <summary>Reads reports back and finds the target's two known stacks in them.</summary>
internal static class Reports
{
    public const string FiveInner = "StackDepot.Cli.Tests.Target.FiveChain.Inner()";
    public const string FiveMiddle = "StackDepot.Cli.Tests.Target.FiveChain.Middle()";
    public const string FiveOuter = "StackDepot.Cli.Tests.Target.FiveChain.Outer()";
    public const string ThreeFirst = "StackDepot.Cli.Tests.Target.ThreeChain.First()";
    public const string ThreeSecond = "StackDepot.Cli.Tests.Target.ThreeChain.Second()";
    public const string Park = "StackDepot.Cli.Tests.Target.Program.Park()";

    public static (JsonElement Root, List<JsonStack> Stacks) ParseJson(string text)
    {
        JsonElement root = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal("stackdepot.report/1", root.GetProperty("schema").GetString());
        var stacks = root.GetProperty("stacks").EnumerateArray().Select(s => new JsonStack(
            s.GetProperty("values").EnumerateArray().Select(v => v.GetInt64()).ToArray(),
            s.GetProperty("threadIds").EnumerateArray().Select(v => v.GetInt32()).ToArray(),
            s.GetProperty("frames").EnumerateArray().Select(f => f.GetProperty("name").GetString()!).ToArray(),
            s.GetProperty("frames").EnumerateArray().Select(f => f.TryGetProperty("module", out JsonElement m) ? m.GetString()! : "").ToArray())).ToList();
        return (root, stacks);
    }

    /// <summary>The one stack whose frames include a frame starting with <paramref name="frame"/>.</summary>
    public static JsonStack Single(List<JsonStack> stacks, string frame) =>
        Assert.Single(stacks, s => s.Frames.Any(f => f.StartsWith(frame, StringComparison.Ordinal)));

    /// <summary>Checks the two known stacks: counts, order of the frames (innermost first) and the thread ids.</summary>
    public static void AssertKnownStacks(List<JsonStack> stacks, long five, long three)
    {
        JsonStack fives = Single(stacks, FiveInner);
        Assert.Equal(five, fives.Values[0]);
        Assert.Equal(5, fives.ThreadIds.Length);
        AssertInOrder(fives.Frames, Park, FiveInner, FiveMiddle, FiveOuter);
        Assert.Contains("StackDepot.Cli.Tests.Target", fives.Modules);

        JsonStack threes = Single(stacks, ThreeSecond);
        Assert.Equal(three, threes.Values[0]);
        Assert.Equal(3, threes.ThreadIds.Length);
        AssertInOrder(threes.Frames, Park, ThreeSecond, ThreeFirst);
        Assert.Empty(fives.ThreadIds.Intersect(threes.ThreadIds));
    }

    /// <summary>Asserts that frames starting with these prefixes appear in this order.</summary>
    public static void AssertInOrder(IReadOnlyList<string> frames, params string[] prefixes)
    {
        int at = -1;
        foreach (string prefix in prefixes)
        {
            int next = -1;
            for (int i = at + 1; i < frames.Count; i++)
            {
                if (frames[i].StartsWith(prefix, StringComparison.Ordinal) || frames[i].Contains("!" + prefix, StringComparison.Ordinal))
                {
                    next = i;
                    break;
                }
            }

            Assert.True(next > at, $"{prefix} not found after index {at} in:\n{string.Join('\n', frames)}");
            at = next;
        }
    }

    /// <summary>The blocks of a text report (separated by blank lines) after the header.</summary>
    public static List<string[]> TextBlocks(string text) =>
        text.Split("\n\n").Skip(1).Select(b => b.Split('\n', StringSplitOptions.RemoveEmptyEntries)).ToList();

    /// <summary>A report has no .NET stack trace (a failure must be one plain line).</summary>
    public static void AssertOnePlainErrorLine(CliResult result)
    {
        string[] lines = result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, result.ToString());
        Assert.StartsWith("stackdepot: error: ", lines[0]);
        Assert.DoesNotContain("   at ", result.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", result.StdErr, StringComparison.Ordinal);
        Assert.Equal(string.Empty, result.StdOut);
    }

    /// <summary>Validates a speedscope file against the published schema (ajv under node): <c>valid</c> or the errors.</summary>
    public static async Task<string> ValidateSpeedscopeAsync(string file)
    {
        Assert.True(File.Exists(TestPaths.SpeedscopeSchema),
            "speedscope schema missing: run 'bash .ci/run' (or 'npm ci' in StackDepot.Cli.Tests/schema) first");
        var info = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(TestPaths.SchemaValidator);
        info.ArgumentList.Add(TestPaths.SpeedscopeSchema);
        info.ArgumentList.Add(file);
        using Process node = Process.Start(info)!;
        Task<string> stdout = node.StandardOutput.ReadToEndAsync();
        Task<string> stderr = node.StandardError.ReadToEndAsync();
        await node.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        string output = (await stdout).Trim();
        Assert.True(node.ExitCode is 0 or 1, $"validator failed to run: {output} {await stderr}");
        return output;
    }
}
