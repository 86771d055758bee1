namespace Tunnel.Platform.Interop.Windows;

/// <summary><c>MIB_NOTIFICATION_TYPE</c> (netioapi.h): what a change callback reports.</summary>
internal enum MibNotificationType
{
    /// <summary><c>MibParameterNotification</c>: a setting of the row changed (the MTU, say).</summary>
    ParameterChange = 0,

    /// <summary><c>MibAddInstance</c>: the row appeared (a family enabled on the interface).</summary>
    AddInstance = 1,

    /// <summary><c>MibDeleteInstance</c>: the row went (the interface was removed).</summary>
    DeleteInstance = 2,

    /// <summary><c>MibInitialNotification</c>: the registration's first call, when it asked for one.</summary>
    InitialNotification = 3,
}
