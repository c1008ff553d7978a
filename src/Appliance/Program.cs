using Cualify.Appliance.Cli;
using Cualify.Appliance.Hosting;

// Whatever the shell's umask, what this process writes (store, keys, logs, audio) is its user's alone.
PrivateFiles.Apply();
return await ApplianceCommandLine.Build().Parse(args).InvokeAsync();
