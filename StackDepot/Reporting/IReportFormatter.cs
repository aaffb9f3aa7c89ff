namespace StackDepot.Reporting;

/// <summary>
/// One output format of a <see cref="StackReport"/>. A format is one class implementing this interface (or
/// <see cref="ITextReportFormatter"/> for formats that write text) plus one line that adds it to a
/// <see cref="ReportFormatRegistry"/>; names, help text and the rules callers apply (no top-N cut for flame graphs,
/// no binary data on a terminal) all derive from these members.
/// </summary>
/// <remarks>Call formatters through <see cref="StackReportWriter.Write(StackReport, IReportFormatter, Stream)"/>,
/// which checks the report first: an implementation may assume every entry has one value per value type.</remarks>
public interface IReportFormatter
{
    /// <summary>The format's name, lower case, as users type it (<c>--format folded</c>); unique in a registry.</summary>
    string Name { get; }

    /// <summary>One line for help texts, for example <c>"root;...;leaf count lines for flame graph tools"</c>.</summary>
    string Description { get; }

    /// <summary>
    /// True when the output is only right with every stack in it (flame graphs: a cut stack would shrink its
    /// ancestors). Callers then apply no default top-N cut; an explicit one is still honoured.
    /// </summary>
    bool KeepsAllStacks { get; }

    /// <summary>True when the output is binary (for example gzipped protobuf) rather than UTF-8 text.</summary>
    bool IsBinary { get; }

    /// <summary>Writes <paramref name="report"/> to <paramref name="output"/>.</summary>
    /// <param name="report">The report, already checked by <see cref="StackReportWriter"/>.</param>
    /// <param name="output">Where to write; flushed, not closed.</param>
    void Write(StackReport report, Stream output);
}
