using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Dialer.Tests.Support;
using Xunit.Abstractions;

namespace Cualify.Appliance.Dialer.Tests;

public sealed class ScratchTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Scratch()
    {
        await using var harness = await DialerHarness.StartAsync();
        var agentId = await harness.CreatePlaybookAsync();
        await harness.UpsertContactAsync("+919812345678");
        await harness.TopUpAsync(10_000);
        var id = await harness.PlaceCallAsync(new { agent_id = agentId, to_e164 = "+919812345678" });
        try
        {
            var round = await harness.Appliance.Get<CallAdmission>().AdmitAsync();
            output.WriteLine($"{round.Admitted.Count} {round.Refused} {round.Deferred} {round.NextWake}");
        }
        catch (Exception ex)
        {
            output.WriteLine(ex.ToString());
        }
        var logs = Directory.GetFiles(harness.Appliance.DataDir, "*.log", SearchOption.AllDirectories);
        foreach (var log in logs) output.WriteLine(File.ReadAllText(log));
    }
}
