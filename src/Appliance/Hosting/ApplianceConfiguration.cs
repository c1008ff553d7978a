using Microsoft.Extensions.Configuration;

namespace Cualify.Appliance.Hosting;

public static class ApplianceConfiguration
{
    public static string DefaultsFile => Path.Combine(AppContext.BaseDirectory, "config", "appsettings.json");

    /// <summary>Adds the appliance's configuration sources in order of precedence.</summary>
    public static IConfigurationBuilder AddApplianceSources(this IConfigurationBuilder builder, ApplianceSettings settings)
    {
        builder.AddJsonFile(DefaultsFile, optional: true, reloadOnChange: false);
        if (settings.ConfigFile is not null)
        {
            if (!File.Exists(settings.ConfigFile))
            {
                throw new FileNotFoundException($"The config file {settings.ConfigFile} given with --config does not exist", settings.ConfigFile);
            }

            builder.AddJsonFile(Path.GetFullPath(settings.ConfigFile), optional: false, reloadOnChange: false);
        }

        builder.AddEnvironmentVariables(ApplianceSettings.EnvironmentPrefix);
        var flags = new Dictionary<string, string?>();
        if (settings.Urls is not null)
        {
            flags["Api:Urls"] = settings.Urls;
        }

        foreach (var (key, value) in settings.Overrides ?? new Dictionary<string, string?>())
        {
            flags[key] = value;
        }

        builder.AddInMemoryCollection(flags);
        return builder;
    }

    public static IConfiguration Build(ApplianceSettings settings) =>
        new ConfigurationBuilder().AddApplianceSources(settings).Build();
}
