# A near miss is suggested.
expect meminfo.MemFre > 0
