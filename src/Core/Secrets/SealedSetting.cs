using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Core.Secrets;

/// <summary>
/// A password or token in a settings file may be written sealed (<c>sealed:v1:…</c>, made by
/// <c>cualify-appliance secrets seal</c>): encrypted under this install's secret key, so the settings file, its
/// backups and the environment of the service hold no clear secret. Plain values keep working.
/// </summary>
public static class SealedSetting
{
    public const string Prefix = "sealed:";

    public static string Seal(SecretProtector protector, string plaintext) => Prefix + protector.Protect(plaintext);

    /// <summary>The clear value of <paramref name="value"/>, or <paramref name="value"/> itself when it is not sealed.</summary>
    /// <exception cref="OptionsValidationException">Sealed under another install's key, or altered; names the setting.</exception>
    public static string? Open(SecretProtector protector, string? value, string setting) => Open(new Lazy<SecretProtector>(protector), value, setting);

    private static string? Open(Lazy<SecretProtector> protector, string? value, string setting)
    {
        if (value is null || !value.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return value;
        }

        try
        {
            return protector.Value.Unprotect(value[Prefix.Length..]);
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException)
        {
            throw new OptionsValidationException(setting, typeof(string),
                [$"{setting} is sealed, but not with this install's secret key (or it was altered); seal it again with: cualify-appliance secrets seal"]);
        }
    }

    /// <summary>Opens the sealed settings of <typeparamref name="TOptions"/> after binding, before validation.</summary>
    public static OptionsBuilder<TOptions> OpenSealed<TOptions>(this OptionsBuilder<TOptions> builder, Action<TOptions, Func<string?, string, string?>> open)
        where TOptions : class =>
        builder.PostConfigure<IServiceProvider>((options, services) =>
            open(options, (value, setting) => Open(new Lazy<SecretProtector>(services.GetRequiredService<SecretProtector>), value, setting)));
}
