using StackDepot.Reporting;

namespace StackDepot.Cli.Sampling;

/// <summary>Frames the sampler adds itself (a thread's label, a root per thread name), each name interned once as a
/// frame id that no address can be (the top byte is set).</summary>
internal sealed class SyntheticFrames
{
    private const ulong Tag = 0xfe00_0000_0000_0000;

    private readonly Dictionary<string, ulong> _ids = new(StringComparer.Ordinal);
    private readonly Dictionary<ulong, ReportFrame> _frames = [];

    /// <summary>The id of a frame named <paramref name="name"/>.</summary>
    public ulong IdOf(string name)
    {
        if (!_ids.TryGetValue(name, out ulong id))
        {
            id = Tag | (uint)_ids.Count;
            _ids.Add(name, id);
            _frames.Add(id, new ReportFrame(name));
        }

        return id;
    }

    /// <summary>The frame of an id from <see cref="IdOf"/>; false for other ids.</summary>
    public bool TryGet(ulong id, out ReportFrame frame) => _frames.TryGetValue(id, out frame!);
}
