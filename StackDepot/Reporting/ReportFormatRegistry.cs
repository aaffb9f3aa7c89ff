using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace StackDepot.Reporting;

/// <summary>
/// The report formats a program offers, by name. <see cref="CreateDefault"/> holds the library's formats (text, tree,
/// folded, speedscope, json); a format from another assembly joins with one <see cref="Add"/>. A command line derives
/// its accepted <c>--format</c> names, their help and its rules from the registry, so adding a format touches no
/// other code.
/// </summary>
/// <remarks>Fill a registry at start-up; lookups may then run on any thread. <see cref="Add"/> is not thread-safe.</remarks>
public sealed class ReportFormatRegistry : IReadOnlyCollection<IReportFormatter>
{
    private readonly List<IReportFormatter> _formatters = [];

    /// <summary>The format names, in the order the formats were added.</summary>
    public IReadOnlyList<string> Names => _formatters.ConvertAll(f => f.Name);

    /// <inheritdoc/>
    public int Count => _formatters.Count;

    /// <summary>A new registry with the library's formats: <c>text</c>, <c>tree</c>, <c>folded</c>,
    /// <c>speedscope</c>, <c>json</c> (the names of <see cref="ReportFormat"/>, in its order).</summary>
    /// <returns>A registry that more formats can be added to.</returns>
    public static ReportFormatRegistry CreateDefault() => new ReportFormatRegistry()
        .Add(new TextReportFormatter())
        .Add(new TreeReportFormatter())
        .Add(new FoldedReportFormatter())
        .Add(new SpeedscopeReportFormatter())
        .Add(new JsonReportFormatter());

    /// <summary>Adds a format.</summary>
    /// <param name="formatter">The format; its <see cref="IReportFormatter.Name"/> must be lower case letters, digits
    /// or <c>-</c>, and not taken.</param>
    /// <returns>This registry, to chain calls.</returns>
    /// <exception cref="ArgumentException">The name is malformed or already registered.</exception>
    public ReportFormatRegistry Add(IReportFormatter formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        string name = formatter.Name;
        if (string.IsNullOrEmpty(name) || !name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
        {
            throw new ArgumentException($"Format name '{name}' must be lower case letters, digits or '-'.", nameof(formatter));
        }

        if (TryGet(name, out _))
        {
            throw new ArgumentException($"A format named '{name}' is already registered.", nameof(formatter));
        }

        _formatters.Add(formatter);
        return this;
    }

    /// <summary>Finds a format by name (case-insensitive, surrounding white space ignored).</summary>
    /// <param name="name">The name to look up.</param>
    /// <param name="formatter">The format, when found.</param>
    /// <returns>True when a format has that name.</returns>
    public bool TryGet(string? name, [NotNullWhen(true)] out IReportFormatter? formatter)
    {
        string? key = name?.Trim();
        formatter = _formatters.Find(f => string.Equals(f.Name, key, StringComparison.OrdinalIgnoreCase));
        return formatter is not null;
    }

    /// <summary>The format named <paramref name="name"/>.</summary>
    /// <param name="name">The name to look up (case-insensitive).</param>
    /// <returns>The format.</returns>
    /// <exception cref="ArgumentException">No format has that name; the message lists the names.</exception>
    public IReportFormatter Get(string name) =>
        TryGet(name, out IReportFormatter? formatter)
            ? formatter
            : throw new ArgumentException($"Unknown report format '{name}' (known: {string.Join(", ", Names)}).", nameof(name));

    /// <inheritdoc/>
    public IEnumerator<IReportFormatter> GetEnumerator() => _formatters.GetEnumerator();

    /// <inheritdoc/>
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
