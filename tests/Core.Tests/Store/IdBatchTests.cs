using Cualify.Appliance.Core.Store;

namespace Cualify.Appliance.Core.Tests.Store;

public sealed class IdBatchTests
{
    [Fact]
    public void A_batch_gives_distinct_version_7_ids_with_the_instant_that_guid_create_version_7_writes()
    {
        var at = DateTimeOffset.Parse("2026-12-03T13:14:15.678Z", System.Globalization.CultureInfo.InvariantCulture);
        var batch = new IdBatch(at);
        var reference = Guid.CreateVersion7(at).ToString();

        // More than one fill of the random buffer, so the refill is used too.
        var ids = Enumerable.Range(0, 1000).Select(_ => batch.New()).ToList();

        Assert.Equal(ids.Count, ids.Distinct().Count());
        foreach (var id in ids)
        {
            Assert.True(Ids.IsUuid(id));
            var guid = Guid.Parse(id);
            Assert.Equal(7, guid.Version);
            Assert.Equal(0b10, guid.Variant >> 2);
            Assert.Equal(reference[..13], id[..13]);
        }
    }

    [Fact]
    public void A_prefixed_id_has_the_prefix_and_the_uuid_without_dashes_like_ids_prefixed()
    {
        var at = DateTimeOffset.UtcNow;
        var id = new IdBatch(at).Prefixed("evt");
        var reference = Ids.Prefixed("evt", at);

        Assert.Matches("^evt_[0-9a-f]{32}$", id);
        Assert.Equal(reference.Length, id.Length);
        Assert.Equal(reference[..16], id[..16]);
        Assert.Equal(7, Guid.ParseExact(id[4..], "N").Version);
    }

    [Fact]
    public void A_batchs_ids_rise_one_after_another_so_they_sort_in_the_order_they_were_taken()
    {
        var at = DateTimeOffset.UtcNow;
        var batch = new IdBatch(at);

        // Ten thousand (an import batch's most) take many fills of the random buffer; events and contacts alike.
        var ids = Enumerable.Range(0, 10_000).Select(i => i % 2 == 0 ? batch.New().Replace("-", "") : batch.Prefixed("evt")[4..]).ToList();

        for (var i = 1; i < ids.Count; i++)
        {
            Assert.True(string.CompareOrdinal(ids[i - 1], ids[i]) < 0, $"id {i} ({ids[i]}) does not sort after id {i - 1} ({ids[i - 1]})");
        }

        // Two batches at the same instant (two writes in one millisecond) still start apart.
        Assert.NotEqual(new IdBatch(at).New()[..23], new IdBatch(at).New()[..23]);
    }
}
