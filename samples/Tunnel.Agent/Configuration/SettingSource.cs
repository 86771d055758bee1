namespace Tunnel.Agent.Configuration;

/// <summary>Where a setting's effective value came from, as <c>tunnelctl settings</c> shows it.</summary>
internal enum SettingSource
{
    /// <summary>The built-in default.</summary>
    Default,

    /// <summary>The configuration file.</summary>
    ConfigFile,

    /// <summary>A change made through the local API since the agent started.</summary>
    Local,

    /// <summary>The device settings profile the controller pushed (see <c>controller</c> in the configuration).</summary>
    Policy,
}
