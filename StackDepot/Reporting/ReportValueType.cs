namespace StackDepot.Reporting;

/// <summary>
/// One kind of value a <see cref="StackReport"/> carries per stack, for example <c>("threads", "count")</c>,
/// <c>("samples", "count")</c>, <c>("bytes", "bytes")</c> or <c>("objects", "count")</c>.
/// </summary>
/// <param name="Name">What is counted, plural and lower case ("threads", "samples", "bytes", "objects").</param>
/// <param name="Unit">The unit of the values: <c>"count"</c> or <c>"bytes"</c> (other units are written as given).</param>
public sealed record ReportValueType(string Name, string Unit)
{
    /// <summary>Threads seen on a stack in one snapshot.</summary>
    public static ReportValueType Threads { get; } = new("threads", "count");

    /// <summary>Thread samples taken on a stack, over several snapshots.</summary>
    public static ReportValueType Samples { get; } = new("samples", "count");

    /// <summary>Bytes attributed to a stack.</summary>
    public static ReportValueType Bytes { get; } = new("bytes", "bytes");

    /// <summary>Objects attributed to a stack.</summary>
    public static ReportValueType Objects { get; } = new("objects", "count");
}
