using Cualify.Appliance.Bench;
using Cualify.Appliance.Bench.Agents;
using Cualify.Appliance.Bench.Campaigns;
using Cualify.Appliance.Bench.Contacts;
using Cualify.Appliance.Bench.Dialer;
using Cualify.Appliance.Bench.Mail;
using Cualify.Appliance.Bench.OperatorConsole;
using Cualify.Appliance.Bench.Relay;
using Cualify.Appliance.Bench.Sip;
using Cualify.Appliance.Bench.Speech;
using Cualify.Appliance.Bench.Writer;

// Each benchmark measures the appliance and, in the same run, a reference for the same work.
var benches = new Dictionary<string, Func<string[], Task<int>>>(StringComparer.OrdinalIgnoreCase)
{
    ["contacts"] = ContactsBench.RunAsync,
    ["relay"] = RelayBench.RunAsync,
    ["mail"] = MailBench.RunAsync,
    ["dialer"] = DialerBench.RunAsync,
    ["sip"] = SipBench.RunAsync,
    ["speech"] = SpeechBench.RunAsync,
    ["agents"] = AgentBench.RunAsync,
    ["writer"] = WriterBench.RunAsync,
    ["import"] = CampaignBench.RunImportAsync,
    ["pacing"] = CampaignBench.RunPacingAsync,
    ["connectors"] = ConnectorBench.RunAsync,
    ["console-live"] = ConsoleLiveBench.RunAsync,
};

if (args.Length == 0 || !benches.TryGetValue(args[0], out var bench))
{
    Console.Error.WriteLine($"usage: bench <{string.Join('|', benches.Keys)}> [options]");
    return 2;
}

return await bench(args[1..]);
