using System.Globalization;

namespace StackDepot;

/// <summary>
/// A small, stable 32-bit name for a stack stored in a <see cref="Depot"/>.
/// </summary>
/// <remarks>
/// <para>
/// The value <c>0</c> is <see cref="None"/>: "no stack" (an empty stack, or a save the depot could not store).
/// A handle is only meaningful to the depot that issued it. Handles of persistent records stay valid for the
/// depot's life; a handle of a refcounted record (saved with <see cref="SaveFlags.Get"/>) is valid until its last
/// reference is dropped with <see cref="Depot.Put"/>. A stale or forged handle is detected by
/// <see cref="Depot.TryFetch"/>; see <c>docs/design.md</c> for the bit layout and the odds.
/// </para>
/// </remarks>
public readonly struct StackHandle : IEquatable<StackHandle>
{
    /// <summary>The handle that names no stack.</summary>
    public static StackHandle None => default;

    /// <summary>Wraps a raw value, for example one read back from a file or sent by another component.</summary>
    /// <param name="value">The raw 32-bit value of a handle.</param>
    public StackHandle(uint value) => Value = value;

    /// <summary>The raw 32-bit value; 0 for <see cref="None"/>.</summary>
    public uint Value { get; }

    /// <summary>True when this handle names no stack.</summary>
    public bool IsNone => Value == 0;

    /// <inheritdoc />
    public bool Equals(StackHandle other) => Value == other.Value;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is StackHandle other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => (int)Value;

    /// <summary>Compares two handles by value.</summary>
    public static bool operator ==(StackHandle left, StackHandle right) => left.Value == right.Value;

    /// <summary>Compares two handles by value.</summary>
    public static bool operator !=(StackHandle left, StackHandle right) => left.Value != right.Value;

    /// <summary>The value in hexadecimal, or "none".</summary>
    public override string ToString() =>
        IsNone ? "none" : "0x" + Value.ToString("x8", CultureInfo.InvariantCulture);
}
