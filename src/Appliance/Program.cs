using Cualify.Appliance.Cli;

return await ApplianceCommandLine.Build().Parse(args).InvokeAsync();
