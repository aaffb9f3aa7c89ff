using System.Text.RegularExpressions;

namespace StackDepot.Cli.Sampling;

/// <summary>
/// Turns a thread's stack into the frames that are counted: a thread without managed frames gets a frame naming it
/// (<c>(thread .NET Finalizer, finalizer)</c>) under one <c>(no managed frames)</c> root, so that it is named and is
/// not one more root of a flame graph; <c>--group-by thread-name</c> puts every stack under a root naming its thread's
/// pool (<c>(thread worker-*)</c>). Added frames are in parentheses; the runtime's own frames are in brackets.
/// </summary>
/// <param name="groupBy">How stacks are grouped.</param>
/// <param name="intern">The id of an added frame's name (<see cref="ClrFrameTable.Synthetic"/>).</param>
internal sealed partial class StackShaper(GroupBy groupBy, Func<string, ulong> intern)
{
    /// <summary>The root of stacks without managed frames.</summary>
    public const string NoManagedFrames = "(no managed frames)";

    /// <summary>Frames a shaped stack may have beyond the thread's own.</summary>
    public const int ExtraFrames = 2;

    private readonly List<ulong> _buffer = new(64);

    /// <summary>The frames to count for <paramref name="stack"/> of <paramref name="thread"/>, innermost first;
    /// valid until the next call.</summary>
    public ReadOnlySpan<ulong> Shape(ThreadStack stack, ThreadInfo thread)
    {
        _buffer.Clear();
        if (stack.Frames.Length == 0)
        {
            _buffer.Add(intern("(thread " + thread.Name + (thread.Kind == ThreadKind.Other ? ")" : ", " + thread.KindText + ")")));
            _buffer.Add(intern(NoManagedFrames));
        }
        else
        {
            _buffer.AddRange(stack.Frames);
        }

        if (groupBy == GroupBy.ThreadName)
        {
            _buffer.Add(intern("(thread " + PoolName(thread.Name) + ")"));
        }

        return System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_buffer);
    }

    /// <summary>A thread name with its trailing number folded: <c>worker-12</c> is <c>worker-*</c>, so a pool of
    /// threads counts as one.</summary>
    public static string PoolName(string name)
    {
        Match match = TrailingNumber().Match(name);
        return match.Success ? match.Groups[1].Value + "*" : name;
    }

    [GeneratedRegex(@"^(.*[^0-9])[0-9]+$", RegexOptions.CultureInvariant)]
    private static partial Regex TrailingNumber();
}
