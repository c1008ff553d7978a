using Cualify.Appliance.Cli;
using Cualify.Appliance.Hosting;

// Before anything is written: the store, keys, logs and audio are created private to this user.
PrivateFiles.Apply();
return await ApplianceCommandLine.Build().Parse(args).InvokeAsync();
