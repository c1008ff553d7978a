using System.CommandLine;
using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Secrets;

namespace Cualify.Appliance.Cli;

/// <summary>
/// <c>secrets seal</c>: reads a password or token on standard input and prints it sealed under this install's
/// secret key, for a settings file (<see cref="SealedSetting"/>). Read from standard input, never from an
/// argument, so the clear value stays out of shell history and process listings.
/// </summary>
public static class SecretsCommand
{
    public static Command Create()
    {
        var secrets = new Command("secrets", "Seal passwords and tokens for the settings file");
        var seal = new Command("seal", "Read a secret on standard input; print it sealed (sealed:v1:…) for appsettings.json");
        seal.SetAction((parse, cancellationToken) => CliErrors.GuardAsync(async () =>
        {
            var secret = (await Console.In.ReadToEndAsync(cancellationToken)).TrimEnd('\r', '\n');
            if (secret.Length == 0)
            {
                throw ApplianceException.BadRequest("Nothing to seal: write the secret on standard input, e.g. read -rs T && printf %s \"$T\" | cualify-appliance secrets seal");
            }

            await using var cli = await CliStore.OpenAsync(parse, cancellationToken);
            Console.Out.WriteLine(SealedSetting.Seal(cli.Get<SecretProtector>(), secret));
            return 0;
        }));
        secrets.Subcommands.Add(seal);
        return secrets;
    }
}
