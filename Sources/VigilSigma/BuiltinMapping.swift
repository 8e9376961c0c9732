// The logsource and field mapping Vigil ships, embedded so that a copied binary works on its own.
// Override or extend it with `--mapping FILE` (same format). Sources: the Sigma taxonomy appendix,
// the SigmaHQ logsource guides and pySigma's Sysmon and windows-audit pipelines.

enum BuiltinMapping {
    static let yaml = #"""
        # Vigil logsource mapping.
        # logsources: a rule's (product, category, service) → event sources (channel + event IDs),
        #   with field renames and value conversions for sources that name Sigma fields differently:
        #   fields (Sigma name → the source's), values (rule value → the source's), path-forms (a path field the
        #   source writes as NT device paths, nt-device, or as \REGISTRY\ keys, registry), only-fields (what the
        #   source records; a rule's test of any other field sees it absent there).
        # non-windows-channels: channel prefixes of sources that are not Windows event logs.
        # open-products: products whose rules run on every event without a channel (none built in: a rule runs
        #   only where its logsource is mapped).
        # field-aliases: names used by flat JSON exports (Winlogbeat, ECS, OTRF) → Sigma field names.
        logsources:
          - match: {product: windows}
            sources: []
          # --- Sysmon categories (and their built-in Windows equivalents) ---
          - match: {product: windows, category: process_creation}
            sources:
              - {channel: Microsoft-Windows-Sysmon/Operational, eventids: [1]}
              - channel: Security
                eventids: [4688]
                fields: {Image: NewProcessName, ParentImage: ParentProcessName, ProcessId: NewProcessId, ParentProcessId: ProcessId, LogonId: SubjectLogonId, IntegrityLevel: MandatoryLabel}
                values:
                  IntegrityLevel: {Low: S-1-16-4096, Medium: S-1-16-8192, High: S-1-16-12288, System: S-1-16-16384}
                only-fields: [SubjectUserSid, SubjectUserName, SubjectDomainName, SubjectLogonId, NewProcessId, NewProcessName,
                  TokenElevationType, ProcessId, CommandLine, TargetUserSid, TargetUserName, TargetDomainName, TargetLogonId,
                  ParentProcessName, MandatoryLabel, EventID, Channel, Computer, Provider_Name]
          - match: {product: windows, category: file_change}
            sources: [{channel: Microsoft-Windows-Sysmon/Operational, eventids: [2]}]
          - match: {product: windows, category: network_connection}
            sources:
              - {channel: Microsoft-Windows-Sysmon/Operational, eventids: [3]}
              - channel: Security
                eventids: [5156]
                fields: {Image: Application, DestinationIp: DestAddress, DestinationPort: DestPort, SourceIp: SourceAddress, Initiated: Direction, ProcessId: ProcessID}
                path-forms: {Image: nt-device}
                values:
                  Initiated: {"true": "%%14593", "false": "%%14592"}
                only-fields: [ProcessID, Application, Direction, SourceAddress, SourcePort, DestAddress, DestPort, Protocol,
                  FilterRTID, LayerName, LayerRTID, RemoteUserID, RemoteMachineID, EventID, Channel, Computer, Provider_Name]
          - match: {product: windows, category: sysmon_status}
            sources: [{channel: Microsoft-Windows-Sysmon/Operational, eventids: [4, 16]}]
          - match: {product: windows, category: process_termination}
            sources: [{channel: Microsoft-Windows-Sysmon/Operational, eventids: [5]}]
          - match: {product: windows, category: driver_load}
            sources: [{channel: Microsoft-Windows-Sysmon/Operational, eventids: [6]}]
          - match: {product: windows, category: image_load}
            sources: [{channel: Microsoft-Windows-Sysmon/Operational, eventids: [7]}]
          - match: {product: windows, category: create_remote_thread}
            sources: [{channel: Microsoft-Windows-Sysmon/Operational, eventids: [8]}]
          - match: {product: windows, category: raw_access_thread}
            sources: [{channel: Microsoft-Windows-Sysmon/Operational, eventids: [9]}]
          - match: {product: windows, category: raw_access_read}
            sources: [{channel: Microsoft-Windows-Sysmon/Operational, eventids: [9]}]
          - match: {product: windows, category: process_access}
            sources: [{channel: Microsoft-Windows-Sysmon/Operational, eventids: [10]}]
          - match: {product: windows, category: file_event}
            sources: [{channel: Microsoft-Windows-Sysmon/Operational, eventids: [11]}]
          - match: {product: windows, category: registry_add}
            sources:
              - {channel: Microsoft-Windows-Sysmon/Operational, eventids: [12]}
              - channel: Security
                eventids: [4657]
                fields: {TargetObject: ObjectName, Details: NewValue, Image: ProcessName}
                path-forms: {TargetObject: registry}
                only-fields: [SubjectUserSid, SubjectUserName, SubjectDomainName, SubjectLogonId, ObjectName, ObjectValueName, HandleId,
                  OperationType, OldValueType, OldValue, NewValueType, NewValue, ProcessId, ProcessName, EventID, Channel, Computer, Provider_Name]
          - match: {product: windows, category: registry_delete}
            sources: [{channel: Microsoft-Windows-Sysmon/Operational, eventids: [12]}]
          - match: {product: windows, category: registry_set}
            sources:
              - {channel: Microsoft-Windows-Sysmon/Operational, eventids: [13]}
              - channel: Security
                eventids: [4657]
                fields: {TargetObject: ObjectName, Details: NewValue, Image: ProcessName}
                path-forms: {TargetObject: registry}
                only-fields: [SubjectUserSid, SubjectUserName, SubjectDomainName, SubjectLogonId, ObjectName, ObjectValueName, HandleId,
                  OperationType, OldValueType, OldValue, NewValueType, NewValue, ProcessId, ProcessName, EventID, Channel, Computer, Provider_Name]
          - match: {product: windows, category: registry_rename}
            sources: [{channel: Microsoft-Windows-Sysmon/Operational, eventids: [14]}]
          - match: {product: windows, category: registry_event}
            sources:
              - {channel: Microsoft-Windows-Sysmon/Operational, eventids: [12, 13, 14]}
              - channel: Security
                eventids: [4657]
                fields: {TargetObject: ObjectName, Details: NewValue, Image: ProcessName}
                path-forms: {TargetObject: registry}
                only-fields: [SubjectUserSid, SubjectUserName, SubjectDomainName, SubjectLogonId, ObjectName, ObjectValueName, HandleId,
                  OperationType, OldValueType, OldValue, NewValueType, NewValue, ProcessId, ProcessName, EventID, Channel, Computer, Provider_Name]
          - match: {product: windows, category: create_stream_hash}
            sources: [{channel: Microsoft-Windows-Sysmon/Operational, eventids: [15]}]
          - match: {product: windows, category: pipe_created}
            sources: [{channel: Microsoft-Windows-Sysmon/Operational, eventids: [17, 18]}]
          - match: {product: windows, category: wmi_event}
            sources: [{channel: Microsoft-Windows-Sysmon/Operational, eventids: [19, 20, 21]}]
          - match: {product: windows, category: dns_query}
            sources:
              - {channel: Microsoft-Windows-Sysmon/Operational, eventids: [22]}
          - match: {product: windows, category: file_delete}
            sources: [{channel: Microsoft-Windows-Sysmon/Operational, eventids: [23, 26]}]
          - match: {product: windows, category: clipboard_capture}
            sources: [{channel: Microsoft-Windows-Sysmon/Operational, eventids: [24]}]
          - match: {product: windows, category: process_tampering}
            sources: [{channel: Microsoft-Windows-Sysmon/Operational, eventids: [25]}]
          - match: {product: windows, category: file_block_executable}
            sources: [{channel: Microsoft-Windows-Sysmon/Operational, eventids: [27]}]
          - match: {product: windows, category: file_block_shredding}
            sources: [{channel: Microsoft-Windows-Sysmon/Operational, eventids: [28]}]
          - match: {product: windows, category: file_executable_detected}
            sources: [{channel: Microsoft-Windows-Sysmon/Operational, eventids: [29]}]
          - match: {product: windows, category: sysmon_error}
            sources: [{channel: Microsoft-Windows-Sysmon/Operational, eventids: [255]}]
          # --- PowerShell ---
          - match: {product: windows, category: ps_module}
            sources: [{channel: Microsoft-Windows-PowerShell/Operational, eventids: [4103]}, {channel: PowerShellCore/Operational, eventids: [4103]}]
          - match: {product: windows, category: ps_script}
            sources: [{channel: Microsoft-Windows-PowerShell/Operational, eventids: [4104]}, {channel: PowerShellCore/Operational, eventids: [4104]}]
          - match: {product: windows, category: ps_classic_start}
            sources: [{channel: Windows PowerShell, eventids: [400]}]
          - match: {product: windows, category: ps_classic_provider_start}
            sources: [{channel: Windows PowerShell, eventids: [600]}]
          - match: {product: windows, category: ps_classic_script}
            sources: [{channel: Windows PowerShell, eventids: [800]}]
          # --- Other categories ---
          - match: {product: windows, category: file_access}
            sources: [{channel: Microsoft-Windows-Kernel-File/Analytic}]
          - match: {product: windows, category: file_rename}
            sources: [{channel: Microsoft-Windows-Kernel-File/Analytic}]
          - match: {product: windows, category: antivirus}
            sources: [{channel: Microsoft-Windows-Windows Defender/Operational, eventids: [1006, 1015, 1116, 1117]}]
          # --- Services → channels ---
          - {match: {product: windows, service: security}, sources: [{channel: Security}]}
          - {match: {product: windows, service: system}, sources: [{channel: System}]}
          - {match: {product: windows, service: application}, sources: [{channel: Application}]}
          - {match: {product: windows, service: sysmon}, sources: [{channel: Microsoft-Windows-Sysmon/Operational}]}
          - {match: {product: windows, service: powershell}, sources: [{channel: Microsoft-Windows-PowerShell/Operational}]}
          - {match: {product: windows, service: powershell-classic}, sources: [{channel: Windows PowerShell}]}
          - {match: {product: windows, service: taskscheduler}, sources: [{channel: Microsoft-Windows-TaskScheduler/Operational}]}
          - {match: {product: windows, service: wmi}, sources: [{channel: Microsoft-Windows-WMI-Activity/Operational}]}
          - {match: {product: windows, service: dns-server}, sources: [{channel: DNS Server}]}
          - {match: {product: windows, service: dns-server-analytic}, sources: [{channel: Microsoft-Windows-DNS-Server/Analytical}]}
          - {match: {product: windows, service: dns-server-audit}, sources: [{channel: Microsoft-Windows-DNS-Server/Audit}]}
          - {match: {product: windows, service: dns-client}, sources: [{channel: Microsoft-Windows-DNS Client Events/Operational}]}
          - {match: {product: windows, service: driver-framework}, sources: [{channel: Microsoft-Windows-DriverFrameworks-UserMode/Operational}]}
          - {match: {product: windows, service: ntlm}, sources: [{channel: Microsoft-Windows-NTLM/Operational}]}
          - {match: {product: windows, service: windefend}, sources: [{channel: Microsoft-Windows-Windows Defender/Operational}]}
          - {match: {product: windows, service: firewall-as}, sources: [{channel: Microsoft-Windows-Windows Firewall With Advanced Security/Firewall}]}
          - {match: {product: windows, service: bits-client}, sources: [{channel: Microsoft-Windows-Bits-Client/Operational}]}
          - {match: {product: windows, service: codeintegrity-operational}, sources: [{channel: Microsoft-Windows-CodeIntegrity/Operational}]}
          - {match: {product: windows, service: diagnosis-scripted}, sources: [{channel: Microsoft-Windows-Diagnosis-Scripted/Operational}]}
          - {match: {product: windows, service: msexchange-management}, sources: [{channel: MSExchange Management}]}
          - {match: {product: windows, service: printservice-admin}, sources: [{channel: Microsoft-Windows-PrintService/Admin}]}
          - {match: {product: windows, service: printservice-operational}, sources: [{channel: Microsoft-Windows-PrintService/Operational}]}
          - {match: {product: windows, service: smbclient-security}, sources: [{channel: Microsoft-Windows-SmbClient/Security}]}
          - {match: {product: windows, service: smbclient-connectivity}, sources: [{channel: Microsoft-Windows-SmbClient/Connectivity}]}
          - {match: {product: windows, service: smbserver-connectivity}, sources: [{channel: Microsoft-Windows-SMBServer/Connectivity}]}
          - {match: {product: windows, service: terminalservices-localsessionmanager}, sources: [{channel: Microsoft-Windows-TerminalServices-LocalSessionManager/Operational}]}
          - {match: {product: windows, service: microsoft-servicebus-client}, sources: [{channel: Microsoft-ServiceBus-Client}]}
          - {match: {product: windows, service: ldap}, sources: [{channel: Microsoft-Windows-LDAP-Client/Debug}]}
          - {match: {product: windows, service: ldap_debug}, sources: [{channel: Microsoft-Windows-LDAP-Client/Debug}]}
          - {match: {product: windows, service: openssh}, sources: [{channel: OpenSSH/Operational}]}
          - {match: {product: windows, service: shell-core}, sources: [{channel: Microsoft-Windows-Shell-Core/Operational}]}
          - {match: {product: windows, service: security-mitigations}, sources: [{channel: Microsoft-Windows-Security-Mitigations/Kernel Mode}, {channel: Microsoft-Windows-Security-Mitigations/User Mode}]}
          - {match: {product: windows, service: vhdmp}, sources: [{channel: Microsoft-Windows-VHDMP/Operational}]}
          - {match: {product: windows, service: appxdeployment-server}, sources: [{channel: Microsoft-Windows-AppXDeploymentServer/Operational}]}
          - {match: {product: windows, service: appxpackaging-om}, sources: [{channel: Microsoft-Windows-AppxPackaging/Operational}]}
          - {match: {product: windows, service: appmodel-runtime}, sources: [{channel: Microsoft-Windows-AppModel-Runtime/Admin}]}
          - {match: {product: windows, service: capi2}, sources: [{channel: Microsoft-Windows-CAPI2/Operational}]}
          - {match: {product: windows, service: certificateservicesclient-lifecycle-system}, sources: [{channel: Microsoft-Windows-CertificateServicesClient-Lifecycle-System/Operational}]}
          - {match: {product: windows, service: lsa-server}, sources: [{channel: Microsoft-Windows-LSA/Operational}]}
          - {match: {product: windows, service: kernel-shimengine}, sources: [{channel: Microsoft-Windows-Kernel-ShimEngine/Operational}, {channel: Microsoft-Windows-Kernel-ShimEngine/Diagnostic}]}
          - {match: {product: windows, service: hyper-v-worker}, sources: [{channel: Microsoft-Windows-Hyper-V-Worker-Admin}]}
          - {match: {product: windows, service: bitlocker}, sources: [{channel: Microsoft-Windows-BitLocker/BitLocker Management}]}
          - {match: {product: windows, service: wmi-activity}, sources: [{channel: Microsoft-Windows-WMI-Activity/Operational}]}
          - {match: {product: windows, service: sense}, sources: [{channel: Microsoft-Windows-SENSE/Operational}]}
          - {match: {product: windows, service: iis-configuration}, sources: [{channel: Microsoft-IIS-Configuration/Operational}]}
          - {match: {product: windows, service: applocker}, sources: [{channel: Microsoft-Windows-AppLocker/MSI and Script}, {channel: Microsoft-Windows-AppLocker/EXE and DLL}, {channel: Microsoft-Windows-AppLocker/Packaged app-Deployment}, {channel: Microsoft-Windows-AppLocker/Packaged app-Execution}]}
          - {match: {product: windows, service: dhcp}, sources: [{channel: Microsoft-Windows-DHCP-Server/Operational}]}
          - {match: {product: windows, service: firewall}, sources: [{channel: Microsoft-Windows-Windows Firewall With Advanced Security/Firewall}]}
          - {match: {product: windows, service: gpo}, sources: [{channel: Microsoft-Windows-GroupPolicy/Operational}]}
          - {match: {product: windows, service: ocsp}, sources: [{channel: Microsoft-Windows-OnlineResponder/Operational}]}
          - {match: {product: windows, service: rdp}, sources: [{channel: Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational}]}
          - {match: {product: windows, service: pnp}, sources: [{channel: Microsoft-Windows-Kernel-PnP/Configuration}]}
          - {match: {product: windows, service: wfp}, sources: [{channel: Security}]}
          # RPC Firewall writes its audit events to the Application log (provider RPCFW).
          - {match: {product: rpc_firewall, category: application}, sources: [{channel: Application}]}
          # --- Sources beyond Windows. Vigil's readers name each source by a channel (`vigil_channel`); see the
          # README's "Logs beyond Windows" for which reader writes which. ---
          # Linux: Sysmon for Linux (its own channel and event IDs), auditd, syslog.
          - match: {product: linux, category: process_creation}
            sources: [{channel: Linux-Sysmon/Operational, eventids: [1]}]
          - match: {product: linux, category: network_connection}
            sources: [{channel: Linux-Sysmon/Operational, eventids: [3]}]
          - match: {product: linux, category: file_event}
            sources: [{channel: Linux-Sysmon/Operational, eventids: [11]}]
          - match: {product: linux, category: file_delete}
            sources: [{channel: Linux-Sysmon/Operational, eventids: [23]}]
          - match: {product: linux, category: process_termination}
            sources: [{channel: Linux-Sysmon/Operational, eventids: [5]}]
          - {match: {product: linux}, sources: [{channel: linux/syslog}]}
          - {match: {product: linux, service: auditd}, sources: [{channel: linux/auditd}]}
          - {match: {product: linux, service: syslog}, sources: [{channel: linux/syslog}]}
          - {match: {product: linux, service: auth}, sources: [{channel: linux/syslog}]}
          - {match: {product: linux, service: sshd}, sources: [{channel: linux/syslog}]}
          - {match: {product: linux, service: sudo}, sources: [{channel: linux/syslog}]}
          - {match: {product: linux, service: cron}, sources: [{channel: linux/syslog}]}
          - {match: {product: linux, service: vsftpd}, sources: [{channel: linux/syslog}]}
          - {match: {product: linux, service: clamav}, sources: [{channel: linux/syslog}]}
          - {match: {product: linux, service: guacamole}, sources: [{channel: linux/syslog}]}
          # Zeek: one channel per log type.
          - {match: {product: zeek, service: conn}, sources: [{channel: zeek/conn}]}
          - {match: {product: zeek, service: dns}, sources: [{channel: zeek/dns}]}
          - {match: {product: zeek, service: http}, sources: [{channel: zeek/http}]}
          - {match: {product: zeek, service: kerberos}, sources: [{channel: zeek/kerberos}]}
          - {match: {product: zeek, service: smb_files}, sources: [{channel: zeek/smb_files}]}
          - {match: {product: zeek, service: smb_mapping}, sources: [{channel: zeek/smb_mapping}]}
          - {match: {product: zeek, service: dce_rpc}, sources: [{channel: zeek/dce_rpc}]}
          - {match: {product: zeek, service: rdp}, sources: [{channel: zeek/rdp}]}
          - {match: {product: zeek, service: ssl}, sources: [{channel: zeek/ssl}]}
          - {match: {product: zeek, service: x509}, sources: [{channel: zeek/x509}]}
          - {match: {product: zeek, service: files}, sources: [{channel: zeek/files}]}
          - {match: {product: zeek, service: ntlm}, sources: [{channel: zeek/ntlm}]}
          - {match: {product: zeek, service: ssh}, sources: [{channel: zeek/ssh}]}
          - {match: {product: zeek, service: notice}, sources: [{channel: zeek/notice}]}
          # Generic network categories on Zeek's logs, with the Sigma taxonomy's names (as SigmaHQ's
          # zeek-category-accounting configuration mapped them).
          - match: {category: dns}
            sources:
              - channel: zeek/dns
                fields: {answer: answers, record_type: qtype_name, src_ip: id.orig_h, dst_ip: id.resp_h}
          - match: {category: proxy}
            sources:
              - channel: zeek/http
                fields: {c-uri: uri, cs-uri: uri, cs-uri-stem: uri, c-useragent: user_agent, cs-method: method, cs-host: host,
                  r-dns: host, sc-status: status_code, cs-referrer: referrer, cs-cookie: cookie, dst_ip: id.resp_h, src_ip: id.orig_h}
          - match: {category: firewall}
            sources:
              - channel: zeek/conn
                fields: {src_ip: id.orig_h, src_port: id.orig_p, dst_ip: id.resp_h, dst_port: id.resp_p}
          # Cloud: AWS CloudTrail; Azure AD and Microsoft 365 as Sentinel exports them.
          - {match: {product: aws, service: cloudtrail}, sources: [{channel: aws/cloudtrail}]}
          - match: {product: azure, service: auditlogs}
            sources: [{channel: azure/auditlogs, fields: {properties.message: OperationName, operationName: OperationName, category: Category}}]
          - match: {product: azure, service: signinlogs}
            sources: [{channel: azure/signinlogs, fields: {properties.message: OperationName, resultType: ResultType}}]
          - {match: {product: azure, service: activitylogs}, sources: [{channel: azure/activitylogs}]}
          - {match: {product: azure, service: riskdetection}, sources: [{channel: azure/riskdetection}]}
          - {match: {product: m365, service: audit}, sources: [{channel: m365/audit, fields: {Workload: OfficeWorkload}}]}
          - {match: {product: m365, service: exchange}, sources: [{channel: m365/audit}]}
        # Channels of sources that are not Windows event logs: rules for Windows as a whole never run on them.
        non-windows-channels: [linux/, linux-sysmon/, zeek/, aws/, azure/, m365/, gcp/, okta/, csv/]
        strip-prefixes: [winlog.event_data., event_data., winlog.user_data., winlog.]
        field-aliases:
          Hostname: Computer
          SourceName: Provider_Name
          vigil_channel: Channel
          vigil_event_id: EventID
          winlog.channel: Channel
          winlog.event_id: EventID
          winlog.computer_name: Computer
          winlog.provider_name: Provider_Name
          winlog.record_id: EventRecordID
          event.code: EventID
          host.name: Computer
          log_name: Channel
          event_id: EventID
          computer_name: Computer
          RecordNumber: EventRecordID
          process.executable: Image
          process.command_line: CommandLine
          process.parent.executable: ParentImage
          process.parent.command_line: ParentCommandLine
          process.pe.original_file_name: OriginalFileName
          process.working_directory: CurrentDirectory
          file.path: TargetFilename
          registry.path: TargetObject
          destination.ip: DestinationIp
          destination.port: DestinationPort
          source.ip: SourceIp
          source.port: SourcePort
          dns.question.name: QueryName
        """#
}
