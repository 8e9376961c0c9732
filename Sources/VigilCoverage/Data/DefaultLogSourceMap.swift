// Vigil's built-in map from the ways rules and inventories name logs (Sigma logsources, Windows
// channels and event IDs, Elastic indexes, CAR objects, EQL events, KQL tables) to ATT&CK data
// components. `vigil coverage --print-map` prints it; a user's copy (--map FILE) replaces it.

enum DefaultLogSourceMap {
    static let yaml = #"""
        # Vigil log-source map (format 1). Data component names are ATT&CK's (v17 and v18 share them).
        # Each Sigma entry matches a rule's logsource when every key given here equals the rule's
        # (product, category, service); `windows` lists the channels and event IDs that carry it.
        format: 1
        sigma:
          - {product: windows, category: process_creation, data_components: [Process Creation, Command Execution], windows: [{channel: Microsoft-Windows-Sysmon/Operational, event_ids: [1]}, {channel: Security, event_ids: [4688]}]}
          - {product: windows, category: network_connection, data_components: [Network Connection Creation], windows: [{channel: Microsoft-Windows-Sysmon/Operational, event_ids: [3]}, {channel: Security, event_ids: [5156]}]}
          - {product: windows, category: dns_query, data_components: [Active DNS, Network Traffic Content], windows: [{channel: Microsoft-Windows-Sysmon/Operational, event_ids: [22]}]}
          - {product: windows, category: image_load, data_components: [Module Load], windows: [{channel: Microsoft-Windows-Sysmon/Operational, event_ids: [7]}]}
          - {product: windows, category: driver_load, data_components: [Driver Load], windows: [{channel: Microsoft-Windows-Sysmon/Operational, event_ids: [6]}]}
          - {product: windows, category: file_event, data_components: [File Creation], windows: [{channel: Microsoft-Windows-Sysmon/Operational, event_ids: [11]}]}
          - {product: windows, category: file_change, data_components: [File Modification, File Metadata], windows: [{channel: Microsoft-Windows-Sysmon/Operational, event_ids: [2]}]}
          - {product: windows, category: file_delete, data_components: [File Deletion], windows: [{channel: Microsoft-Windows-Sysmon/Operational, event_ids: [23, 26]}]}
          - {product: windows, category: file_rename, data_components: [File Modification]}
          - {product: windows, category: file_access, data_components: [File Access], windows: [{channel: Security, event_ids: [4663]}]}
          - {product: windows, category: file_executable_detected, data_components: [File Creation], windows: [{channel: Microsoft-Windows-Sysmon/Operational, event_ids: [29]}]}
          - {product: windows, category: create_stream_hash, data_components: [File Creation, File Metadata], windows: [{channel: Microsoft-Windows-Sysmon/Operational, event_ids: [15]}]}
          - {product: windows, category: registry_add, data_components: [Windows Registry Key Creation], windows: [{channel: Microsoft-Windows-Sysmon/Operational, event_ids: [12]}, {channel: Security, event_ids: [4657]}]}
          - {product: windows, category: registry_delete, data_components: [Windows Registry Key Deletion], windows: [{channel: Microsoft-Windows-Sysmon/Operational, event_ids: [12]}, {channel: Security, event_ids: [4660]}]}
          - {product: windows, category: registry_set, data_components: [Windows Registry Key Modification], windows: [{channel: Microsoft-Windows-Sysmon/Operational, event_ids: [13]}, {channel: Security, event_ids: [4657]}]}
          - {product: windows, category: registry_rename, data_components: [Windows Registry Key Modification], windows: [{channel: Microsoft-Windows-Sysmon/Operational, event_ids: [14]}]}
          - {product: windows, category: registry_event, data_components: [Windows Registry Key Creation, Windows Registry Key Modification, Windows Registry Key Deletion], windows: [{channel: Microsoft-Windows-Sysmon/Operational, event_ids: [12, 13, 14]}, {channel: Security, event_ids: [4657]}]}
          - {product: windows, category: create_remote_thread, data_components: [Process Access, Process Modification], windows: [{channel: Microsoft-Windows-Sysmon/Operational, event_ids: [8]}]}
          - {product: windows, category: process_access, data_components: [Process Access], windows: [{channel: Microsoft-Windows-Sysmon/Operational, event_ids: [10]}]}
          - {product: windows, category: raw_access_thread, data_components: [Drive Access], windows: [{channel: Microsoft-Windows-Sysmon/Operational, event_ids: [9]}]}
          - {product: windows, category: process_tampering, data_components: [Process Modification], windows: [{channel: Microsoft-Windows-Sysmon/Operational, event_ids: [25]}]}
          - {product: windows, category: pipe_created, data_components: [Named Pipe Metadata], windows: [{channel: Microsoft-Windows-Sysmon/Operational, event_ids: [17, 18]}]}
          - {product: windows, category: wmi_event, data_components: [WMI Creation], windows: [{channel: Microsoft-Windows-Sysmon/Operational, event_ids: [19, 20, 21]}]}
          - {product: windows, category: clipboard_capture, data_components: [OS API Execution], windows: [{channel: Microsoft-Windows-Sysmon/Operational, event_ids: [24]}]}
          - {product: windows, category: sysmon_status, data_components: [Application Log Content], windows: [{channel: Microsoft-Windows-Sysmon/Operational, event_ids: [4, 16]}]}
          - {product: windows, category: sysmon_error, data_components: [Application Log Content], windows: [{channel: Microsoft-Windows-Sysmon/Operational, event_ids: [255]}]}
          - {product: windows, category: ps_module, data_components: [Script Execution, Command Execution], windows: [{channel: Microsoft-Windows-PowerShell/Operational, event_ids: [4103]}]}
          - {product: windows, category: ps_script, data_components: [Script Execution, Command Execution], windows: [{channel: Microsoft-Windows-PowerShell/Operational, event_ids: [4104]}]}
          - {product: windows, category: ps_classic_start, data_components: [Script Execution], windows: [{channel: Windows PowerShell, event_ids: [400]}]}
          - {product: windows, category: ps_classic_provider_start, data_components: [Script Execution], windows: [{channel: Windows PowerShell, event_ids: [600]}]}
          - {product: windows, category: ps_classic_script, data_components: [Script Execution], windows: [{channel: Windows PowerShell, event_ids: [800]}]}
          - {product: windows, category: dns, data_components: [Active DNS, Passive DNS]}
          - {product: windows, category: antivirus, data_components: [Application Log Content, Malware Metadata]}
          - {product: windows, service: security, data_components: [Logon Session Creation, User Account Authentication, User Account Creation, User Account Modification, User Account Deletion, Group Modification, Scheduled Job Creation, Service Creation, Active Directory Object Access, Active Directory Object Modification, Active Directory Object Creation, Active Directory Credential Request, Network Share Access, Windows Registry Key Modification, Process Creation, File Access], windows: [{channel: Security}]}
          - {product: windows, service: system, data_components: [Service Creation, Service Modification, Host Status, Driver Load], windows: [{channel: System}]}
          - {product: windows, service: application, data_components: [Application Log Content], windows: [{channel: Application}]}
          - {product: windows, service: sysmon, data_components: [Process Creation, Network Connection Creation, Module Load, File Creation, Windows Registry Key Modification, Process Access], windows: [{channel: Microsoft-Windows-Sysmon/Operational}]}
          - {product: windows, service: powershell, data_components: [Script Execution, Command Execution], windows: [{channel: Microsoft-Windows-PowerShell/Operational}]}
          - {product: windows, service: powershell-classic, data_components: [Script Execution], windows: [{channel: Windows PowerShell}]}
          - {product: windows, service: taskscheduler, data_components: [Scheduled Job Creation, Scheduled Job Modification], windows: [{channel: Microsoft-Windows-TaskScheduler/Operational}]}
          - {product: windows, service: wmi, data_components: [WMI Creation], windows: [{channel: Microsoft-Windows-WMI-Activity/Operational}]}
          - {product: windows, service: bits-client, data_components: [Network Connection Creation, Application Log Content], windows: [{channel: Microsoft-Windows-Bits-Client/Operational}]}
          - {product: windows, service: windefend, data_components: [Application Log Content, Malware Metadata], windows: [{channel: Microsoft-Windows-Windows Defender/Operational}]}
          - {product: windows, service: firewall-as, data_components: [Firewall Rule Modification, Firewall Disable], windows: [{channel: Microsoft-Windows-Windows Firewall With Advanced Security/Firewall}]}
          - {product: windows, service: codeintegrity-operational, data_components: [Driver Load, Module Load], windows: [{channel: Microsoft-Windows-CodeIntegrity/Operational}]}
          - {product: windows, service: ntlm, data_components: [User Account Authentication], windows: [{channel: Microsoft-Windows-NTLM/Operational}]}
          - {product: windows, service: dns-server, data_components: [Active DNS, Passive DNS], windows: [{channel: DNS Server}]}
          - {product: windows, service: dns-client, data_components: [Active DNS], windows: [{channel: Microsoft-Windows-DNS Client Events/Operational}]}
          - {product: windows, service: terminalservices-localsessionmanager, data_components: [Logon Session Creation], windows: [{channel: Microsoft-Windows-TerminalServices-LocalSessionManager/Operational}]}
          - {product: windows, service: smbclient-security, data_components: [Network Share Access], windows: [{channel: Microsoft-Windows-SmbClient/Security}]}
          - {product: windows, service: msexchange-management, data_components: [Application Log Content, Command Execution], windows: [{channel: MSExchange Management}]}
          - {product: windows, service: appxdeployment-server, data_components: [Application Log Content], windows: [{channel: Microsoft-Windows-AppXDeploymentServer/Operational}]}
          - {product: windows, service: printservice-admin, data_components: [Application Log Content], windows: [{channel: Microsoft-Windows-PrintService/Admin}]}
          - {product: windows, service: driver-framework, data_components: [Drive Creation], windows: [{channel: Microsoft-Windows-DriverFrameworks-UserMode/Operational}]}
          - {product: windows, service: security-mitigations, data_components: [Module Load], windows: [{channel: Microsoft-Windows-Security-Mitigations/Kernel Mode}]}
          - {product: windows, service: ldap, data_components: [Active Directory Object Access], windows: [{channel: Microsoft-Windows-LDAP-Client/Debug}]}
          - {product: windows, data_components: [Application Log Content]}
          - {product: linux, category: process_creation, data_components: [Process Creation, Command Execution]}
          - {product: linux, category: network_connection, data_components: [Network Connection Creation]}
          - {product: linux, category: file_event, data_components: [File Creation, File Modification]}
          - {product: linux, category: file_create, data_components: [File Creation]}
          - {product: linux, service: auditd, data_components: [Process Creation, Command Execution, File Access, File Modification, File Creation, Kernel Module Load, User Account Modification]}
          - {product: linux, service: syslog, data_components: [Application Log Content]}
          - {product: linux, service: auth, data_components: [User Account Authentication, Logon Session Creation]}
          - {product: linux, service: sshd, data_components: [Logon Session Creation, User Account Authentication]}
          - {product: linux, service: sudo, data_components: [Command Execution, User Account Authentication]}
          - {product: linux, service: cron, data_components: [Scheduled Job Creation]}
          - {product: linux, service: guacamole, data_components: [Logon Session Creation]}
          - {product: linux, service: vsftpd, data_components: [Network Traffic Content]}
          - {product: linux, data_components: [Application Log Content]}
          - {product: macos, category: process_creation, data_components: [Process Creation, Command Execution]}
          - {product: macos, category: file_event, data_components: [File Creation, File Modification]}
          - {product: macos, data_components: [Application Log Content]}
          - {category: process_creation, data_components: [Process Creation, Command Execution]}
          - {category: proxy, data_components: [Network Traffic Content, Network Traffic Flow]}
          - {category: webserver, data_components: [Application Log Content, Network Traffic Content]}
          - {category: firewall, data_components: [Network Traffic Flow, Network Connection Creation]}
          - {category: dns, data_components: [Active DNS, Passive DNS]}
          - {category: antivirus, data_components: [Malware Metadata, Application Log Content]}
          - {category: database, data_components: [Application Log Content]}
          - {product: zeek, data_components: [Network Traffic Content, Network Traffic Flow, Network Connection Creation]}
          - {product: zeek, service: conn, data_components: [Network Traffic Flow, Network Connection Creation]}
          - {product: zeek, service: dns, data_components: [Network Traffic Content, Network Traffic Flow]}
          - {product: zeek, service: kerberos, data_components: [Network Traffic Content, Active Directory Credential Request]}
          - {product: zeek, service: smb_files, data_components: [Network Traffic Content, Network Share Access]}
          - {product: zeek, service: smb_mapping, data_components: [Network Traffic Content, Network Share Access]}
          - {product: zeek, service: dce_rpc, data_components: [Network Traffic Content]}
          - {product: aws, data_components: [Cloud Service Modification, Cloud Service Metadata, Instance Creation, Instance Modification, Cloud Storage Access, Cloud Storage Modification, User Account Authentication, User Account Modification, User Account Creation, Group Modification, Snapshot Creation, Cloud Service Disable]}
          - {product: azure, data_components: [Cloud Service Modification, Cloud Service Metadata, User Account Authentication, User Account Modification, User Account Creation, Logon Session Creation, Group Modification, Instance Creation, Cloud Storage Access, Active Directory Object Modification]}
          - {product: azure, service: signinlogs, data_components: [User Account Authentication, Logon Session Creation, Logon Session Metadata]}
          - {product: azure, service: pim, data_components: [User Account Modification, Group Modification]}
          - {product: azure, service: riskdetection, data_components: [User Account Authentication, Logon Session Metadata]}
          - {product: azure, service: auditlogs, data_components: [User Account Creation, User Account Modification, User Account Deletion, Group Modification, Active Directory Object Creation, Active Directory Object Modification, Active Directory Object Deletion, Cloud Service Modification, Web Credential Creation]}
          - {product: azure, service: activitylogs, data_components: [Cloud Service Modification, Cloud Service Disable, Cloud Service Metadata, Instance Creation, Instance Modification, Instance Deletion, Instance Start, Instance Stop, Cloud Storage Creation, Cloud Storage Modification, Cloud Storage Deletion, Snapshot Creation, Image Creation]}
          - {product: gcp, data_components: [Cloud Service Modification, Cloud Service Metadata, Instance Creation, Cloud Storage Access, User Account Modification, User Account Creation, Group Modification]}
          - {product: m365, data_components: [Application Log Content, User Account Authentication, Logon Session Creation, Cloud Service Modification]}
          - {product: m365, service: audit, data_components: [Application Log Content, User Account Modification, Cloud Service Modification, Cloud Storage Access]}
          - {product: m365, service: exchange, data_components: [Application Log Content]}
          - {product: m365, service: threat_management, data_components: [Application Log Content, Malware Metadata]}
          - {product: m365, service: threat_detection, data_components: [Application Log Content, Malware Metadata]}
          - {product: okta, data_components: [User Account Authentication, Logon Session Creation, User Account Modification, Group Modification]}
          - {product: onelogin, data_components: [User Account Authentication, User Account Modification]}
          - {product: github, data_components: [Application Log Content, User Account Modification]}
          - {product: kubernetes, data_components: [Container Creation, Pod Creation, Pod Modification, Container Start, Pod Enumeration]}
          - {product: bitbucket, data_components: [Application Log Content]}
          - {product: jvm, data_components: [Application Log Content]}
          - {product: python, data_components: [Application Log Content]}
          - {product: nodejs, data_components: [Application Log Content]}
          - {product: spring, data_components: [Application Log Content]}
          - {product: cisco, data_components: [Network Traffic Flow, Command Execution]}
          - {product: fortios, data_components: [Network Traffic Flow, Application Log Content]}
          - {product: paloalto, data_components: [Network Traffic Flow, Application Log Content]}
          - {product: huawei, data_components: [Command Execution]}
          - {product: juniper, data_components: [Command Execution]}
        # Windows channels and event IDs → data components (inventories that list events, THP hunts).
        windows_events:
          - {channel: Microsoft-Windows-Sysmon/Operational, event_ids: [1], data_components: [Process Creation, Command Execution]}
          - {channel: Microsoft-Windows-Sysmon/Operational, event_ids: [2], data_components: [File Modification, File Metadata]}
          - {channel: Microsoft-Windows-Sysmon/Operational, event_ids: [3], data_components: [Network Connection Creation]}
          - {channel: Microsoft-Windows-Sysmon/Operational, event_ids: [5], data_components: [Process Termination]}
          - {channel: Microsoft-Windows-Sysmon/Operational, event_ids: [6], data_components: [Driver Load]}
          - {channel: Microsoft-Windows-Sysmon/Operational, event_ids: [7], data_components: [Module Load]}
          - {channel: Microsoft-Windows-Sysmon/Operational, event_ids: [8], data_components: [Process Access, Process Modification]}
          - {channel: Microsoft-Windows-Sysmon/Operational, event_ids: [9], data_components: [Drive Access]}
          - {channel: Microsoft-Windows-Sysmon/Operational, event_ids: [10], data_components: [Process Access]}
          - {channel: Microsoft-Windows-Sysmon/Operational, event_ids: [11], data_components: [File Creation]}
          - {channel: Microsoft-Windows-Sysmon/Operational, event_ids: [12], data_components: [Windows Registry Key Creation, Windows Registry Key Deletion]}
          - {channel: Microsoft-Windows-Sysmon/Operational, event_ids: [13, 14], data_components: [Windows Registry Key Modification]}
          - {channel: Microsoft-Windows-Sysmon/Operational, event_ids: [15], data_components: [File Creation, File Metadata]}
          - {channel: Microsoft-Windows-Sysmon/Operational, event_ids: [17, 18], data_components: [Named Pipe Metadata]}
          - {channel: Microsoft-Windows-Sysmon/Operational, event_ids: [19, 20, 21], data_components: [WMI Creation]}
          - {channel: Microsoft-Windows-Sysmon/Operational, event_ids: [22], data_components: [Active DNS]}
          - {channel: Microsoft-Windows-Sysmon/Operational, event_ids: [23, 26], data_components: [File Deletion]}
          - {channel: Microsoft-Windows-Sysmon/Operational, event_ids: [24], data_components: [OS API Execution]}
          - {channel: Microsoft-Windows-Sysmon/Operational, event_ids: [25], data_components: [Process Modification]}
          - {channel: Microsoft-Windows-Sysmon/Operational, event_ids: [29], data_components: [File Creation]}
          - {channel: Security, event_ids: [4688], data_components: [Process Creation, Command Execution]}
          - {channel: Security, event_ids: [4689], data_components: [Process Termination]}
          - {channel: Security, event_ids: [4624, 4634, 4647, 4672, 4778, 4779], data_components: [Logon Session Creation, Logon Session Metadata]}
          - {channel: Security, event_ids: [4625, 4648, 4771, 4776], data_components: [User Account Authentication]}
          - {channel: Security, event_ids: [4768, 4769], data_components: [Active Directory Credential Request]}
          - {channel: Security, event_ids: [4720], data_components: [User Account Creation]}
          - {channel: Security, event_ids: [4722, 4723, 4724, 4725, 4738, 4740, 4767, 4781], data_components: [User Account Modification]}
          - {channel: Security, event_ids: [4726], data_components: [User Account Deletion]}
          - {channel: Security, event_ids: [4728, 4732, 4756, 4729, 4733, 4757], data_components: [Group Modification]}
          - {channel: Security, event_ids: [4798, 4799], data_components: [Group Enumeration, User Account Metadata]}
          - {channel: Security, event_ids: [4698, 4699, 4700, 4701, 4702], data_components: [Scheduled Job Creation, Scheduled Job Modification]}
          - {channel: Security, event_ids: [4697], data_components: [Service Creation]}
          - {channel: Security, event_ids: [4656, 4663, 4658], data_components: [File Access, Windows Registry Key Access]}
          - {channel: Security, event_ids: [4657], data_components: [Windows Registry Key Modification]}
          - {channel: Security, event_ids: [4660], data_components: [File Deletion, Windows Registry Key Deletion]}
          - {channel: Security, event_ids: [4661, 4662], data_components: [Active Directory Object Access]}
          - {channel: Security, event_ids: [5136], data_components: [Active Directory Object Modification]}
          - {channel: Security, event_ids: [5137], data_components: [Active Directory Object Creation]}
          - {channel: Security, event_ids: [5141], data_components: [Active Directory Object Deletion]}
          - {channel: Security, event_ids: [5140, 5145], data_components: [Network Share Access]}
          - {channel: Security, event_ids: [5154, 5156, 5158], data_components: [Network Connection Creation, Network Traffic Flow]}
          - {channel: Security, event_ids: [4946, 4947, 4948, 4950], data_components: [Firewall Rule Modification]}
          - {channel: Security, event_ids: [1102], data_components: [Application Log Content]}
          - {channel: System, event_ids: [7045], data_components: [Service Creation]}
          - {channel: System, event_ids: [7040, 7036], data_components: [Service Modification, Service Metadata]}
          - {channel: System, event_ids: [104], data_components: [Application Log Content]}
          - {channel: Microsoft-Windows-PowerShell/Operational, event_ids: [4103], data_components: [Command Execution, Script Execution]}
          - {channel: Microsoft-Windows-PowerShell/Operational, event_ids: [4104], data_components: [Script Execution]}
          - {channel: Windows PowerShell, event_ids: [400, 403, 600, 800], data_components: [Script Execution, Process Metadata]}
          - {channel: Microsoft-Windows-TaskScheduler/Operational, event_ids: [106, 140, 141, 200, 201], data_components: [Scheduled Job Creation, Scheduled Job Modification]}
          - {channel: Microsoft-Windows-WMI-Activity/Operational, event_ids: [5857, 5858, 5859, 5860, 5861], data_components: [WMI Creation]}
          - {channel: Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational, event_ids: [1149], data_components: [Logon Session Creation]}
          - {channel: Microsoft-Windows-TerminalServices-LocalSessionManager/Operational, event_ids: [21, 22, 24, 25], data_components: [Logon Session Creation]}
          - {channel: Microsoft-Windows-Bits-Client/Operational, event_ids: [3, 59, 60], data_components: [Network Connection Creation]}
        # Names other repositories use → data components.
        car:
          process/create: [Process Creation]
          process/terminate: [Process Termination]
          process/access: [Process Access]
          thread/remote_create: [Process Access, Process Modification]
          flow/start: [Network Connection Creation, Network Traffic Flow]
          flow/message: [Network Traffic Content]
          file/create: [File Creation]
          file/write: [File Modification]
          file/delete: [File Deletion]
          file/modify: [File Modification]
          file/read: [File Access]
          registry/add: [Windows Registry Key Creation]
          registry/edit: [Windows Registry Key Modification]
          registry/remove: [Windows Registry Key Deletion]
          module/load: [Module Load]
          driver/load: [Driver Load]
          user_session/login: [Logon Session Creation]
          user_session/logout: [Logon Session Metadata]
          service/create: [Service Creation]
          service/start: [Service Metadata]
          service/modify: [Service Modification]
          scheduled_task/create: [Scheduled Job Creation]
        eql:
          process: [Process Creation]
          network: [Network Connection Creation]
          file: [File Creation, File Modification]
          registry: [Windows Registry Key Modification]
          image_load: [Module Load]
          dns: [Active DNS]
        # Elastic index-name prefixes. An index pattern takes the longest key that is a prefix of it ending at `.`,
        # `-` or `*`; a wildcard pattern broader than every such key (`logs-endpoint.events.*`) takes the union of
        # the keys it covers, in key order. An integration (`endpoint`) reads as `logs-<integration>.*`.
        elastic_index:
          logs-endpoint.events.process: [Process Creation, Command Execution]
          logs-endpoint.events.network: [Network Connection Creation]
          logs-endpoint.events.file: [File Creation, File Modification, File Deletion]
          logs-endpoint.events.registry: [Windows Registry Key Modification]
          logs-endpoint.events.library: [Module Load]
          logs-endpoint.events.api: [OS API Execution]
          logs-endpoint.alerts: [Malware Metadata]
          logs-windows.sysmon_operational: [Process Creation, Network Connection Creation, Module Load, File Creation, Windows Registry Key Modification, Process Access]
          logs-windows.powershell: [Script Execution, Command Execution]
          logs-windows.forwarded: [Process Creation, Logon Session Creation, User Account Authentication, Service Creation]
          logs-system.security: [Logon Session Creation, User Account Authentication, User Account Modification, Group Modification, Process Creation]
          logs-system.system: [Service Creation]
          winlogbeat: [Process Creation, Network Connection Creation, Logon Session Creation, Script Execution]
          logs-aws.cloudtrail: [Cloud Service Modification, Cloud Service Metadata, User Account Modification, Instance Creation, Cloud Storage Access]
          logs-azure: [Cloud Service Modification, User Account Authentication, Logon Session Creation]
          logs-gcp.audit: [Cloud Service Modification, Instance Creation, Cloud Storage Access]
          logs-o365.audit: [Application Log Content, User Account Authentication, Cloud Service Modification]
          logs-okta: [User Account Authentication, Logon Session Creation, User Account Modification]
          logs-github.audit: [Application Log Content]
          logs-google_workspace: [User Account Authentication, Application Log Content]
          logs-kubernetes.audit_logs: [Container Creation, Pod Creation, Pod Modification]
          auditbeat: [Process Creation, File Modification, Network Connection Creation]
          logs-auditd: [Process Creation, Command Execution, File Access]
          logs-auditd_manager: [Process Creation, Command Execution, File Access]
          packetbeat: [Network Traffic Content, Network Traffic Flow]
          logs-network_traffic: [Network Traffic Content, Network Traffic Flow]
          logs-zeek: [Network Traffic Content, Network Traffic Flow]
          filebeat: [Application Log Content]
        data_sources:
          Sysmon: [Process Creation, Network Connection Creation, Module Load, File Creation, Windows Registry Key Modification, Process Access]
          SecurityEvent: [Process Creation, Logon Session Creation, User Account Authentication, Service Creation, Scheduled Job Creation]
          Event: [Service Creation, Application Log Content]
          DeviceProcessEvents: [Process Creation, Command Execution]
          DeviceNetworkEvents: [Network Connection Creation]
          DeviceFileEvents: [File Creation, File Modification]
          DeviceRegistryEvents: [Windows Registry Key Modification]
          SigninLogs: [User Account Authentication, Logon Session Creation]
          AuditLogs: [User Account Modification, Cloud Service Modification]
          AzureActivity: [Cloud Service Modification]
          OfficeActivity: [Application Log Content]
          CommonSecurityLog: [Network Traffic Flow]
          Syslog: [Application Log Content]
        """#
}
