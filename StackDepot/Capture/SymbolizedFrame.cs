using System.Globalization;
using StackDepot.Reporting;

namespace StackDepot.Capture;

/// <summary>A frame id turned into names by <see cref="Symbolizer"/>.</summary>
public sealed record SymbolizedFrame
{
    /// <summary>The frame id this describes.</summary>
    public required ulong FrameId { get; init; }

    /// <summary>Managed, collectible, unloaded, opaque or unknown.</summary>
    public required FrameKind Kind { get; init; }

    /// <summary>
    /// <c>Namespace.Type.Method(args)</c>, or a placeholder in angle brackets for frames without a usable method:
    /// <c>&lt;unknown frame 0x2a&gt;</c>, <c>&lt;dynamic method&gt;</c>, <c>&lt;unresolvable method 0x...&gt;</c>.
    /// </summary>
    public required string Method { get; init; }

    /// <summary>The simple name of the method's assembly; null for placeholders.</summary>
    public string? Module { get; init; }

    /// <summary>IL offset within the method; -1 when the runtime reported none.</summary>
    public int ILOffset { get; init; } = -1;

    /// <summary>Native code offset when the frame was first captured (tiered code may have moved since).</summary>
    public int NativeOffset { get; init; } = -1;

    /// <summary>Source file, when source information was asked for and a matching portable PDB was found.</summary>
    public string? File { get; init; }

    /// <summary>1-based source line; 0 when unknown.</summary>
    public int Line { get; init; }

    /// <summary>1-based first source line of the method (its sequence point at IL offset 0); 0 when unknown.</summary>
    public int MethodLine { get; init; }

    /// <summary>1-based source column; 0 when unknown.</summary>
    public int Column { get; init; }

    /// <summary>True for frames whose <see cref="Method"/> is a placeholder rather than a method name.</summary>
    public bool IsPlaceholder { get; init; }

    /// <summary>
    /// <c>Method + IL_000c</c> (the IL offset, in the style of IL labels) or <c>Method + 0x4a</c> (the native offset,
    /// when no IL offset is known); an unloaded method is marked <c>[unloaded]</c>.
    /// </summary>
    public string DisplayName
    {
        get
        {
            string offset = ILOffset >= 0
                ? " + IL_" + ILOffset.ToString("x4", CultureInfo.InvariantCulture)
                : NativeOffset >= 0 ? " + 0x" + NativeOffset.ToString("x", CultureInfo.InvariantCulture) : "";
            return Kind == FrameKind.Unloaded ? Method + offset + " [unloaded]" : Method + offset;
        }
    }

    /// <summary>The frame as the shared reporting layer takes it: <see cref="DisplayName"/> as the name, the module, the
    /// frame id as the address, the source position when known, and <see cref="Method"/> (with
    /// <see cref="MethodLine"/>) as the method.</summary>
    /// <returns>A frame for a <see cref="StackReportEntry"/>.</returns>
    public ReportFrame ToReportFrame() => new(DisplayName, Module, FrameId, File, Line) { Method = Method, MethodLine = MethodLine };

    /// <summary><see cref="DisplayName"/>, followed by <c> at file:line</c> when known.</summary>
    public override string ToString() =>
        File is null ? DisplayName : string.Create(CultureInfo.InvariantCulture, $"{DisplayName} at {File}:{Line}");
}
