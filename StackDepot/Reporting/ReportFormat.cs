namespace StackDepot.Reporting;

/// <summary>
/// The library's output formats, for <see cref="StackReportWriter.Write(StackReport, ReportFormat, TextWriter)"/>.
/// Each value stands for the formatter of the same name in <see cref="ReportFormatRegistry.CreateDefault"/>; formats
/// added later are reached by name through a registry and need no value here.
/// </summary>
public enum ReportFormat
{
    /// <summary>Human-readable: a header, then each stack with its values, percentages, thread ids and frames.</summary>
    Text,

    /// <summary>A call tree from the outermost frame, identical prefixes merged, with a value at each branch.</summary>
    Tree,

    /// <summary>Folded stacks (<c>root;...;leaf value</c>, one line per stack), as read by flame graph tools.</summary>
    Folded,

    /// <summary>A speedscope file (<c>https://www.speedscope.app/file-format-schema.json</c>), one sampled profile per value type.</summary>
    Speedscope,

    /// <summary>The versioned JSON document <c>stackdepot.report/1</c> (see docs/cli.md).</summary>
    Json,
}
