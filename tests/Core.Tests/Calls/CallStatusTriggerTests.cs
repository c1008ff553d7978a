using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Contacts;
using Cualify.Appliance.Core.Credits;
using Cualify.Appliance.Core.Orgs;
using Cualify.Appliance.Core.Playbooks;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Cualify.Appliance.Core.Tests.Calls;

/// <summary>The store itself refuses a backward or second final status, whoever writes it.</summary>
public sealed class CallStatusTriggerTests
{
    [Fact]
    public async Task The_store_refuses_to_move_a_call_backwards_or_out_of_a_final_status()
    {
        await using var core = await CoreHarness.CreateAsync();
        await core.Get<ApplianceInitializer>().InitializeAsync();
        var provider = core.Services;
        var org = (await provider.GetRequiredService<OrgStore>().FindAsync("default"))!;
        await provider.GetRequiredService<OrgStore>().UpdateSettingsAsync(org.Id, new OrgSettingsChange(CallingHours: "* * * * *"));
        await provider.GetRequiredService<CreditLedger>().TopUpAsync(org.Id, 10_000, null);
        await provider.GetRequiredService<ContactStore>().UpsertAsync(org.Id, new ContactInput("+919812345678", ConsentCapture: "manual"));
        var playbook = await provider.GetRequiredService<PlaybookStore>().CreateAsync(org.Id, new PlaybookInput("p"));
        var call = await provider.GetRequiredService<CallPlacement>().QueueAsync(org.Id, new CallRequest(playbook.Id, "+919812345678"));
        var store = provider.GetRequiredService<ApplianceStore>();

        async Task MoveAsync(string status) =>
            await store.WriteAsync(tx => tx.ExecuteAsync("UPDATE calls SET status = @status WHERE id = @Id", new { status, call.Id }));

        await Assert.ThrowsAsync<SqliteException>(() => MoveAsync("completed")); // never answered
        await MoveAsync("dialing");
        await Assert.ThrowsAsync<SqliteException>(() => MoveAsync("queued"));
        await MoveAsync("in_progress");
        await Assert.ThrowsAsync<SqliteException>(() => MoveAsync("ringing"));
        await Assert.ThrowsAsync<SqliteException>(() => MoveAsync("busy"));
        await MoveAsync("completed");
        foreach (var status in CallStatus.All.Where(s => s != "completed"))
        {
            var refused = await Assert.ThrowsAsync<SqliteException>(() => MoveAsync(status));
            Assert.Contains("only move forward", refused.Message);
        }

        Assert.Equal("completed", (await provider.GetRequiredService<CallReader>().GetAsync(call.Id))!.Status);
    }
}
