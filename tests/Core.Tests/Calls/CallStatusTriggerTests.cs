using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Contacts;
using Cualify.Appliance.Core.Credits;
using Cualify.Appliance.Core.Orgs;
using Cualify.Appliance.Core.Playbooks;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Testing;
using System.Data.Common;
using Microsoft.Extensions.DependencyInjection;

namespace Cualify.Appliance.Core.Tests.Calls;

/// <summary>The store itself refuses a backward or second final status, whoever writes it.</summary>
public sealed class CallStatusTriggerTests
{
    [Theory, ClassData(typeof(StoreProviders))]
    public async Task The_store_refuses_to_move_a_call_backwards_or_out_of_a_final_status(string provider)
    {
        await using var core = await CoreHarness.CreateAsync(provider);
        await core.Get<ApplianceInitializer>().InitializeAsync();
        var services = core.Services;
        var org = (await services.GetRequiredService<OrgStore>().FindAsync("default"))!;
        await services.GetRequiredService<OrgStore>().UpdateSettingsAsync(org.Id, new OrgSettingsChange(CallingHours: "* * * * *"));
        await services.GetRequiredService<CreditLedger>().TopUpAsync(org.Id, 10_000, null);
        await services.GetRequiredService<ContactStore>().UpsertAsync(org.Id, new ContactInput("+919812345678", ConsentCapture: "manual"));
        var playbook = await services.GetRequiredService<PlaybookStore>().CreateAsync(org.Id, new PlaybookInput("p"));
        var call = await services.GetRequiredService<CallPlacement>().QueueAsync(org.Id, new CallRequest(playbook.Id, "+919812345678"));
        var store = services.GetRequiredService<ApplianceStore>();

        async Task MoveAsync(string status) =>
            await store.WriteAsync(tx => tx.ExecuteAsync("UPDATE calls SET status = @status WHERE id = @Id", new { status, call.Id }));

        await Assert.ThrowsAnyAsync<DbException>(() => MoveAsync("completed")); // never answered
        await MoveAsync("dialing");
        await Assert.ThrowsAnyAsync<DbException>(() => MoveAsync("queued"));
        await MoveAsync("in_progress");
        await Assert.ThrowsAnyAsync<DbException>(() => MoveAsync("ringing"));
        await Assert.ThrowsAnyAsync<DbException>(() => MoveAsync("busy"));
        await MoveAsync("completed");
        foreach (var status in CallStatus.All.Where(s => s != "completed"))
        {
            var refused = await Assert.ThrowsAnyAsync<DbException>(() => MoveAsync(status));
            Assert.Contains("only move forward", refused.Message);
        }

        Assert.Equal("completed", (await services.GetRequiredService<CallReader>().GetAsync(call.Id))!.Status);
    }
}
