// tunnelctl: the command tree follows.
return 0;
