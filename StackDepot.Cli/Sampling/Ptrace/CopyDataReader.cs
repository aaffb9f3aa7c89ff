using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Diagnostics.Runtime;
using Microsoft.Diagnostics.Runtime.DataReaders.Implementation;

namespace StackDepot.Cli.Sampling.Ptrace;

/// <summary>
/// A ClrMD data reader that unwinds from a <see cref="ProcessCopy"/>: thread registers and reads of the copied stacks
/// (and runtime thread state) come from the copy, every other read from the live process through ClrMD's own reader.
/// Code, method tables and unwind data do not change while the process runs on; the stacks do, and are read as they
/// were when each thread was stopped.
/// </summary>
/// <param name="live">ClrMD's reader of the running process (attached without suspending it).</param>
internal sealed class CopyDataReader(IDataReader live) : IDataReader, IThreadReader, IDisposable
{
    private ProcessCopy _copy = new();
    private List<CopiedRange>? _recorded;

    /// <summary>The copy that reads and thread contexts come from (sealed).</summary>
    public ProcessCopy Copy
    {
        get => _copy;
        set => _copy = value;
    }

    /// <summary>Test switch: protections turned off (read only when <see cref="SamplerTestHooks.Enabled"/>).</summary>
    internal SamplerProtections DisabledProtections { get; set; }

    /// <summary>Starts recording the bytes served from the copy (what one thread's walk depends on).</summary>
    public void StartRecording() => _recorded = [];

    /// <summary>Stops recording; returns the bytes served from the copy since <see cref="StartRecording"/>, each range
    /// with its own copy of the bytes, adjacent and overlapping reads merged.</summary>
    public List<CopiedRange> StopRecording()
    {
        List<CopiedRange> recorded = _recorded ?? [];
        _recorded = null;
        recorded.Sort(static (a, b) => a.Address.CompareTo(b.Address));
        var merged = new List<CopiedRange>(recorded.Count);
        foreach (CopiedRange range in recorded)
        {
            if (merged.Count > 0 && range.Address <= merged[^1].End)
            {
                CopiedRange last = merged[^1];
                if (range.End > last.End)
                {
                    byte[] joined = new byte[range.End - last.Address];
                    last.Bytes.Span.CopyTo(joined);
                    range.Bytes.Span.CopyTo(joined.AsSpan((int)(range.Address - last.Address)));
                    merged[^1] = new CopiedRange(last.Address, joined);
                }

                continue;
            }

            merged.Add(range);
        }

        return merged;
    }

    /// <inheritdoc/>
    public string DisplayName => live.DisplayName + " (stacks from a copy)";

    /// <inheritdoc/>
    public bool IsThreadSafe => false;

    /// <inheritdoc/>
    public OSPlatform TargetPlatform => live.TargetPlatform;

    /// <inheritdoc/>
    public Architecture Architecture => live.Architecture;

    /// <inheritdoc/>
    public int ProcessId => live.ProcessId;

    /// <inheritdoc/>
    public int PointerSize => live.PointerSize;

    /// <inheritdoc/>
    public IEnumerable<ModuleInfo> EnumerateModules() => live.EnumerateModules();

    /// <summary>Re-reads the live process's memory map (new thread stacks, heap and code regions).</summary>
    public void FlushCachedData() => live.FlushCachedData();

    /// <inheritdoc/>
    public bool GetThreadContext(uint threadID, uint contextFlags, Span<byte> context) =>
        _copy.Threads.TryGetValue(unchecked((int)threadID), out ThreadCopy? thread) && X64Registers.ToContext(thread.Registers, context);

    /// <inheritdoc/>
    public IEnumerable<uint> EnumerateOSThreadIds() => _copy.Threads.Keys.Select(static t => unchecked((uint)t));

    /// <inheritdoc/>
    public ulong GetThreadTeb(uint osThreadId) => 0;

    /// <inheritdoc/>
    public int Read(ulong address, Span<byte> buffer)
    {
        if ((SamplerTestHooks.Off(DisabledProtections) & SamplerProtections.UnwindFromCopy) != 0)
        {
            return ReadLive(address, buffer);
        }

        int done = 0;
        while (done < buffer.Length)
        {
            ulong at = address + (ulong)done;
            Span<byte> rest = buffer[done..];
            if (_copy.TryFind(at, out CopiedRange range, out ulong next))
            {
                int offset = (int)(at - range.Address);
                int count = Math.Min(rest.Length, range.Bytes.Length - offset);
                range.Bytes.Span.Slice(offset, count).CopyTo(rest);
                _recorded?.Add(new CopiedRange(at, range.Bytes.Slice(offset, count).ToArray()));
                done += count;
                continue;
            }

            // Live up to the next copied range.
            int live = next - at < (ulong)rest.Length ? (int)(next - at) : rest.Length;
            int read = ReadLive(at, rest[..live]);
            if (read <= 0)
            {
                break;
            }

            done += read;
            if (read < live)
            {
                break;
            }
        }

        return done;
    }

    /// <inheritdoc/>
    public unsafe bool Read<T>(ulong address, out T value)
        where T : unmanaged
    {
        Span<byte> bytes = stackalloc byte[sizeof(T)];
        if (Read(address, bytes) == bytes.Length)
        {
            value = MemoryMarshal.Read<T>(bytes);
            return true;
        }

        value = default;
        return false;
    }

    /// <inheritdoc/>
    public T Read<T>(ulong address)
        where T : unmanaged => Read(address, out T value) ? value : default;

    /// <inheritdoc/>
    public bool ReadPointer(ulong address, out ulong value)
    {
        if (PointerSize == 8)
        {
            return Read(address, out value);
        }

        bool ok = Read(address, out uint small);
        value = small;
        return ok;
    }

    /// <inheritdoc/>
    public ulong ReadPointer(ulong address) => ReadPointer(address, out ulong value) ? value : 0;

    /// <summary>Disposes the live reader.</summary>
    public void Dispose() => (live as IDisposable)?.Dispose();

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int ReadLive(ulong address, Span<byte> buffer)
    {
        try
        {
            return live.Read(address, buffer);
        }
        catch (InvalidOperationException)
        {
            return 0; // the process exited: reads fail from here on
        }
    }
}
