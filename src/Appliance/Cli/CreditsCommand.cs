using System.CommandLine;
using Cualify.Appliance.Core.Credits;

namespace Cualify.Appliance.Cli;

/// <summary><c>credits topup --org ORG --amount-paise N [--reference R]</c>.</summary>
public static class CreditsCommand
{
    public static Command Create()
    {
        var credits = new Command("credits", "Manage org credits");
        var org = new Option<string>("--org") { Description = "Org id or name", DefaultValueFactory = _ => "default" };
        var amount = new Option<long>("--amount-paise") { Description = "Paise to add (100 paise = 1 rupee)", Required = true };
        var reference = new Option<string?>("--reference") { Description = "Your reference for the ledger (invoice, receipt)" };
        var topup = new Command("topup", "Add credits to an org") { org, amount, reference };
        topup.SetAction((parse, cancellationToken) => CliErrors.GuardAsync(async () =>
        {
            await using var cli = await CliStore.OpenAsync(parse, cancellationToken);
            var target = await CliStore.RequireOrgAsync(cli, parse.GetValue(org)!, cancellationToken);
            var entry = await cli.Get<CreditLedger>().TopUpAsync(target.Id, parse.GetValue(amount), parse.GetValue(reference), cancellationToken);
            Console.Out.WriteLine($"Topped up org '{target.Name}' by {entry.AmountPaise} paise; balance {entry.BalanceAfterPaise} paise ({entry.ReservedAfterPaise} reserved)");
            return 0;
        }));
        credits.Subcommands.Add(topup);
        return credits;
    }
}
