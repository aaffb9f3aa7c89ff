namespace StackDepot.Tracking;

/// <summary>The objects of one creation stack.</summary>
/// <param name="Stack">The creation stack in the tracker's depot; <see cref="StackHandle.None"/> for objects whose
/// stack could not be stored (depot full). Valid while the tracker lives.</param>
/// <param name="Tracked">Objects tracked from this stack.</param>
/// <param name="Released">Of those, released.</param>
/// <param name="Outstanding">Of those, alive and not released.</param>
/// <param name="Leaked">Of those, collected without a release.</param>
public sealed record LeakSite(StackHandle Stack, long Tracked, long Released, long Outstanding, long Leaked);
