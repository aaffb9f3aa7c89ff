namespace StackDepot.Reporting;

/// <summary>One symbolized frame of a reported stack.</summary>
/// <param name="Name">The method with its arguments and, when the frame is an exact address, its offset, for example
/// <c>"Namespace.Type.Method(Int32) + 0x1a"</c>; for runtime frames a bracketed name such as
/// <c>"[InlinedCallFrame]"</c>.</param>
/// <param name="Module">The module (assembly file name without extension), or <c>null</c> when unknown.</param>
/// <param name="Address">The instruction pointer (or another stable id of the frame); 0 when not meaningful.</param>
/// <param name="File">The source file, when known.</param>
/// <param name="Line">The source line, when known; 0 otherwise.</param>
public sealed record ReportFrame(string Name, string? Module = null, ulong Address = 0, string? File = null, int Line = 0)
{
    private readonly string? _method;

    /// <summary>
    /// The method the frame is in, without an offset (<c>"Namespace.Type.Method(Int32)"</c>): what formats that keep
    /// one entry per function (pprof) group by. Defaults to <see cref="Name"/>; producers whose names carry an offset
    /// (<c>"... + 0x1a"</c>, <c>"... + IL_000c"</c>) set it.
    /// </summary>
    public string Method
    {
        get => _method ?? Name;
        init => _method = value;
    }

    /// <summary>The first source line of <see cref="Method"/>, when known (from the PDB); 0 otherwise.</summary>
    public int MethodLine { get; init; }

    /// <summary>The frame as reports print it: <c>Module!Name</c>, or just <c>Name</c> without a module.</summary>
    public string DisplayName => string.IsNullOrEmpty(Module) ? Name : Module + "!" + Name;

    /// <summary>The frame used for a stack that has no frames at all (for example a thread with no managed code).</summary>
    public static ReportFrame NoFrames { get; } = new("(no frames)");
}
