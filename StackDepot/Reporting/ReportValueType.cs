namespace StackDepot.Reporting;

/// <summary>
/// One kind of value a <see cref="StackReport"/> carries per stack, for example <c>("threads", "count")</c>,
/// <c>("samples", "count")</c>, <c>("bytes", "bytes")</c> or <c>("objects", "count")</c>.
/// </summary>
/// <remarks>
/// Heap profiles use the four value types of Go's heap profiles, with Go's names and units, so that a pprof writer
/// maps them one to one: <see cref="AllocatedObjects"/> (<c>alloc_objects/count</c>), <see cref="AllocatedBytes"/>
/// (<c>alloc_space/bytes</c>), <see cref="LiveObjects"/> (<c>inuse_objects/count</c>) and <see cref="LiveBytes"/>
/// (<c>inuse_space/bytes</c>). Their values are estimates already scaled from the samples (not sample counts).
/// </remarks>
/// <param name="Name">What is counted, plural and lower case ("threads", "samples", "bytes", "objects").</param>
/// <param name="Unit">The unit of the values: <c>"count"</c> or <c>"bytes"</c> (other units are written as given).</param>
/// <param name="Singular">How one is named (a value of 1), when dropping the final "s" of <paramref name="Name"/> does
/// not make the singular: <c>"thread or task"</c> for <c>"threads and tasks"</c>. Null to drop the "s".</param>
public sealed record ReportValueType(string Name, string Unit, string? Singular = null)
{
    /// <summary>Threads seen on a stack in one snapshot.</summary>
    public static ReportValueType Threads { get; } = new("threads", "count");

    /// <summary>Thread samples taken on a stack, over several snapshots.</summary>
    public static ReportValueType Samples { get; } = new("samples", "count");

    /// <summary>Bytes attributed to a stack.</summary>
    public static ReportValueType Bytes { get; } = new("bytes", "bytes");

    /// <summary>Objects attributed to a stack.</summary>
    public static ReportValueType Objects { get; } = new("objects", "count");

    /// <summary>Pending async operations on a logical (async) stack.</summary>
    public static ReportValueType Tasks { get; } = new("tasks", "count");

    /// <summary>Threads and pending async operations, in a report that shows both kinds of stacks.</summary>
    public static ReportValueType ThreadsAndTasks { get; } = new("threads and tasks", "count", "thread or task");

    /// <summary>Objects allocated at a stack (estimated from samples): Go's <c>alloc_objects/count</c>.</summary>
    public static ReportValueType AllocatedObjects { get; } = new("alloc_objects", "count");

    /// <summary>Bytes allocated at a stack (estimated from samples): Go's <c>alloc_space/bytes</c>.</summary>
    public static ReportValueType AllocatedBytes { get; } = new("alloc_space", "bytes");

    /// <summary>Objects allocated at a stack and still alive (estimated from samples): Go's <c>inuse_objects/count</c>.</summary>
    public static ReportValueType LiveObjects { get; } = new("inuse_objects", "count");

    /// <summary>Bytes of the objects allocated at a stack and still alive (estimated from samples): Go's <c>inuse_space/bytes</c>.</summary>
    public static ReportValueType LiveBytes { get; } = new("inuse_space", "bytes");

    /// <summary>Bytes between samples: the <see cref="StackReport.PeriodType"/> of allocation reports (Go's
    /// <c>space/bytes</c>), with the mean sampling interval in bytes as <see cref="StackReport.Period"/>.</summary>
    public static ReportValueType Space { get; } = new("space", "bytes");
}
