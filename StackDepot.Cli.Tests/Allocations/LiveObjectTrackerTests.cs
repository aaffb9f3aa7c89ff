using StackDepot.Cli.Allocations;

namespace StackDepot.Cli.Tests.Allocations;

public sealed class LiveObjectTrackerTests
{
    private readonly List<TrackedObject> _dead = [];

    private LiveObjectTracker NewTracker() => new(_dead.Add);

    private static TrackedObject Obj(int site) => new(site, 1, 100);

    [Fact]
    public void Objects_outside_every_range_of_a_collection_die_and_the_others_survive()
    {
        LiveObjectTracker tracker = NewTracker();
        tracker.Allocated(0x1000, Obj(1), large: false);
        tracker.Allocated(0x2000, Obj(2), large: false);
        tracker.CollectionStarted(0, background: false);
        tracker.Survived(0x0f00, 0x200); // covers 0x1000 only
        Assert.Equal(0, tracker.CollectionEnded());
        Assert.Equal([Obj(2)], _dead);
        Assert.Equal(1, tracker.Count);
    }

    [Fact]
    public void A_moved_object_is_followed_to_its_new_address()
    {
        LiveObjectTracker tracker = NewTracker();
        tracker.Allocated(0x1010, Obj(1), large: false);
        tracker.CollectionStarted(0, background: false);
        tracker.Moved(0x1000, 0x9000, 0x100);
        tracker.CollectionEnded();

        // Now in gen1 at 0x9010: a gen1 collection that keeps 0x9000.. keeps it; the old address means nothing.
        tracker.CollectionStarted(1, background: false);
        tracker.Survived(0x9000, 0x20);
        tracker.CollectionEnded();
        Assert.Empty(_dead);

        tracker.CollectionStarted(2, background: false);
        tracker.Survived(0x1000, 0x100); // the old range: the object is no longer there
        tracker.CollectionEnded();
        Assert.Equal([Obj(1)], _dead);
    }

    [Fact]
    public void Younger_collections_do_not_touch_older_objects()
    {
        LiveObjectTracker tracker = NewTracker();
        tracker.Allocated(0x1000, Obj(1), large: true); // LOH: generation 2
        tracker.Allocated(0x5000, Obj(2), large: false);
        tracker.CollectionStarted(0, background: false);
        tracker.Survived(0x5000, 0x10);
        tracker.CollectionEnded(); // 0x5000 is gen1 now

        tracker.CollectionStarted(0, background: false); // no ranges: everything in gen0 died, nothing older
        tracker.CollectionEnded();
        Assert.Empty(_dead);

        tracker.CollectionStarted(1, background: false);
        tracker.CollectionEnded();
        Assert.Equal([Obj(2)], _dead);
        Assert.Equal(1, tracker.Count);
    }

    [Fact]
    public void A_background_collection_without_ranges_kills_nothing_but_a_blocking_one_does()
    {
        LiveObjectTracker tracker = NewTracker();
        tracker.Allocated(0x1000, Obj(1), large: true);
        tracker.CollectionStarted(2, background: true);
        Assert.Equal(2, tracker.CollectionEnded());
        Assert.Empty(_dead);

        tracker.CollectionStarted(2, background: false);
        tracker.CollectionEnded();
        Assert.Equal([Obj(1)], _dead);
    }

    [Fact]
    public void Ranges_of_a_nested_foreground_collection_belong_to_it_not_to_the_background_one()
    {
        LiveObjectTracker tracker = NewTracker();
        tracker.Allocated(0x1000, Obj(1), large: true);  // gen2, swept by the background collection
        tracker.Allocated(0x8000, Obj(2), large: false); // gen0
        tracker.CollectionStarted(2, background: true);
        tracker.CollectionStarted(0, background: false);
        tracker.Moved(0x8000, 0xa000, 0x10);
        tracker.CollectionEnded(); // foreground gen0: obj 2 moves to gen1
        tracker.Survived(0x1000, 0x10);
        tracker.CollectionEnded(); // background gen2: obj 1 survives in place; obj 2 (gen1 at 0xa000) is not its business
        Assert.Empty(_dead);
        Assert.Equal(2, tracker.Count);

        tracker.CollectionStarted(1, background: false);
        tracker.Survived(0xa000, 0x10); // the new address, not the old one
        tracker.CollectionEnded();
        Assert.Empty(_dead);
    }

    [Fact]
    public void A_new_sample_at_a_followed_address_means_the_old_object_died_unnoticed()
    {
        LiveObjectTracker tracker = NewTracker();
        tracker.Allocated(0x1000, Obj(1), large: false);
        tracker.Allocated(0x1000, Obj(2), large: false);
        Assert.Equal([Obj(1)], _dead);
        Assert.Equal(1, tracker.Count);
    }

    [Fact]
    public void A_collection_end_without_its_start_is_ignored()
    {
        LiveObjectTracker tracker = NewTracker();
        tracker.Allocated(0x1000, Obj(1), large: false);
        Assert.Equal(-1, tracker.CollectionEnded());
        Assert.Empty(_dead);
        Assert.Equal(0, tracker.Collections);
    }

    [Fact]
    public void A_background_collection_condemns_generation_2_only()
    {
        LiveObjectTracker tracker = NewTracker();
        tracker.Allocated(0x1000, Obj(1), large: true);  // gen2, not in a range: dies
        tracker.Allocated(0x2000, Obj(2), large: true);  // gen2, survives
        tracker.Allocated(0x8000, Obj(3), large: false); // gen0: a background collection does not collect it
        tracker.CollectionStarted(2, background: true);
        tracker.Survived(0x2000, 0x10);
        tracker.CollectionEnded();
        Assert.Equal([Obj(1)], _dead);
        Assert.Equal(2, tracker.Count);
    }

    [Fact]
    public void An_object_that_reaches_generation_2_during_a_background_collection_is_not_judged_by_it()
    {
        LiveObjectTracker tracker = NewTracker();
        tracker.Allocated(0x1000, Obj(1), large: true);   // gen2 when the background collection starts
        tracker.Allocated(0x8000, Obj(2), large: false);  // gen0
        tracker.CollectionStarted(2, background: true);
        tracker.CollectionStarted(1, background: false);  // a foreground gen1 inside it...
        tracker.Moved(0x8000, 0x9000, 0x10);
        tracker.CollectionEnded();
        tracker.CollectionStarted(1, background: false);  // ...and another: obj 2 is in gen2 now
        tracker.Survived(0x9000, 0x10);
        tracker.CollectionEnded();
        Assert.Empty(_dead);

        tracker.Survived(0x5000, 0x10); // the background one reports a range holding neither: only obj 1 was there to judge
        tracker.CollectionEnded();
        Assert.Equal([Obj(1)], _dead);
        Assert.Equal(1, tracker.Count);
    }

    [Fact]
    public void With_generation_ranges_the_region_decides_what_a_collection_judges_not_the_guess()
    {
        LiveObjectTracker tracker = NewTracker();
        tracker.Allocated(0x1000, Obj(1), large: false);
        tracker.CollectionStarted(1, background: false);
        tracker.GenerationRange(0, 0x1000, 0x1000);
        tracker.Survived(0x1000, 0x10); // survives a gen1 collection, but the runtime keeps it in a gen0 region
        tracker.GenerationRange(0, 0x1000, 0x1000);  // (the ranges reported at the end are not the judge)
        tracker.CollectionEnded();

        tracker.CollectionStarted(0, background: false);
        tracker.GenerationRange(0, 0x1000, 0x1000); // still gen0: this gen0 collection judges it (the guess said gen1)
        tracker.Moved(0x1800, 0x1000, 0x100);       // and moves another object onto its memory
        tracker.CollectionEnded();
        Assert.Equal([Obj(1)], _dead);

        tracker.CollectionStarted(2, background: false);
        tracker.GenerationRange(1, 0x1000, 0x1000);
        tracker.Survived(0x1000, 0x100);            // the new occupant survives: nothing of ours is there any more
        tracker.CollectionEnded();
        Assert.Equal(0, tracker.Count);
    }

    [Fact]
    public void With_generation_ranges_a_background_collection_judges_only_what_was_in_generation_2_or_above()
    {
        LiveObjectTracker tracker = NewTracker();
        tracker.Allocated(0x1000, Obj(1), large: false);
        tracker.Allocated(0x5000, Obj(2), large: true);
        tracker.Allocated(0x9000, Obj(3), large: false);
        tracker.CollectionStarted(2, background: true);
        tracker.GenerationRange(0, 0x1000, 0x1000);
        tracker.GenerationRange(3, 0x5000, 0x1000); // large object heap
        tracker.GenerationRange(2, 0x9000, 0x1000);
        tracker.Survived(0x9000, 0x10);
        tracker.CollectionEnded();
        Assert.Equal([Obj(2)], _dead);
        Assert.Equal(2, tracker.Count);
    }

    [Fact]
    public void An_object_a_range_holds_only_in_part_is_dead()
    {
        LiveObjectTracker tracker = NewTracker();
        var big = new TrackedObject(1, 1, 100, Size: 0x100);
        tracker.Allocated(0x1000, big, large: false);
        tracker.CollectionStarted(0, background: false);
        tracker.Survived(0x0f00, 0x180); // a 0x180-byte run of live objects from 0xf00 ends at 0x1080, inside the object
        tracker.CollectionEnded();
        Assert.Equal([big], _dead);
    }
}
