namespace StackDepot.Cli.Sampling;

/// <summary>How frames are keyed: by method (different addresses in one method merge) or by exact address; or by
/// method under a root frame per thread name.</summary>
internal enum GroupBy
{
    /// <summary>Key a frame by its method (MethodDesc); names carry no offset.</summary>
    Method,

    /// <summary>Key a frame by its instruction pointer; names carry the offset in the method.</summary>
    Frame,

    /// <summary>Key frames by method, under a root frame naming the thread (pools of threads named alike merge).</summary>
    ThreadName,
}
