using System.CommandLine;
using Cualify.Appliance.Core.ApiKeys;
using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Paging;

namespace Cualify.Appliance.Cli;

/// <summary><c>keys create|list|revoke</c>: the only way to make an operator key.</summary>
public static class KeysCommand
{
    private static readonly Option<string> Org = new("--org") { Description = "Org id or name", DefaultValueFactory = _ => "default" };

    public static Command Create()
    {
        var keys = new Command("keys", "Create, list and revoke API keys");

        var name = new Option<string>("--name") { Description = "What the key is for", Required = true };
        var scope = new Option<string>("--scope") { Description = "read, write, admin or operator", DefaultValueFactory = _ => "write" };
        scope.AcceptOnlyFromAmong("read", "write", "admin", "operator");
        var allow = new Option<string[]>("--ip-allowlist") { Description = "Addresses or CIDR blocks allowed to use the key", AllowMultipleArgumentsPerToken = true };
        var expires = new Option<DateTimeOffset?>("--expires-at") { Description = "UTC time after which the key stops working" };
        var limit = new Option<int?>("--rate-limit-per-minute") { Description = "Request limit of this key" };
        var create = new Command("create", "Create a key and print it once") { Org, name, scope, allow, expires, limit };
        create.SetAction((parse, cancellationToken) => CliErrors.GuardAsync(async () =>
        {
            await using var cli = await CliStore.OpenAsync(parse, cancellationToken);
            var org = await CliStore.RequireOrgAsync(cli, parse.GetValue(Org)!, cancellationToken);
            Scopes.TryParse(parse.GetValue(scope), out var parsedScope);
            var created = await cli.Get<ApiKeyStore>().CreateAsync(org.Id, new NewApiKey(
                parse.GetValue(name)!, parsedScope, parse.GetValue(allow), parse.GetValue(expires), parse.GetValue(limit)), cancellationToken);
            Console.Out.WriteLine(created.FullKey);
            await Console.Error.WriteLineAsync($"Created {parsedScope.Name()} key {created.Key.Id} for org '{org.Name}'; it is shown only this once.");
            return 0;
        }));
        keys.Subcommands.Add(create);

        var list = new Command("list", "List an org's keys, masked") { Org };
        list.SetAction((parse, cancellationToken) => CliErrors.GuardAsync(async () =>
        {
            await using var cli = await CliStore.OpenAsync(parse, cancellationToken);
            var org = await CliStore.RequireOrgAsync(cli, parse.GetValue(Org)!, cancellationToken);
            var table = new CliTable("ID", "KEY", "NAME", "SCOPE", "EXPIRES_AT", "REVOKED_AT", "LAST_USED_AT");
            for (var offset = 0; ; offset += PageRequest.MaxLimit)
            {
                var page = await cli.Get<ApiKeyStore>().ListAsync(org.Id, new PageRequest(PageRequest.MaxLimit, offset), cancellationToken);
                foreach (var key in page.Items)
                {
                    table.Add(key.Id, key.Masked, key.Name, key.Scope, key.ExpiresAt?.ToString("u"), key.RevokedAt?.ToString("u"), key.LastUsedAt?.ToString("u"));
                }

                if (!page.HasMore)
                {
                    break;
                }
            }

            table.WriteTo(Console.Out);
            return 0;
        }));
        keys.Subcommands.Add(list);

        var id = new Argument<string>("id") { Description = "Key id (from keys list)" };
        var revoke = new Command("revoke", "Revoke a key; its next request is refused") { id, Org };
        revoke.SetAction((parse, cancellationToken) => CliErrors.GuardAsync(async () =>
        {
            await using var cli = await CliStore.OpenAsync(parse, cancellationToken);
            var org = await CliStore.RequireOrgAsync(cli, parse.GetValue(Org)!, cancellationToken);
            var key = await cli.Get<ApiKeyStore>().RevokeAsync(org.Id, parse.GetValue(id)!, cancellationToken);
            Console.Out.WriteLine($"Revoked {key.Masked} ({key.Name})");
            return 0;
        }));
        keys.Subcommands.Add(revoke);
        return keys;
    }
}
