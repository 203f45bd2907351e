// `/?` text of the three tools (their option summaries, spec/usmt-cli.md §2–§4).
export const SCANSTATE_HELP = `ScanState (Ferry) - capture user state into a migration store

scanstate StorePath /offlinewindir:<Windows folder> [/i:[Path\\]File]... [/config:File] [/o]
  [/v:0|1|4|5|8|9|12|13] [/nocompress [/hardlink]] [/encrypt[:AlgID] {/key:Key | /keyfile:File}]
  [/l:File] [/progress:File] [/listfiles:File] [/r:N] [/w:N] [/c] [/p[:File]]
  [/all | /ui:Dom\\User... /ue:Dom\\User... /uel:Days|YYYY/MM/DD] [/efs:abort|skip|decryptcopy|copyraw|hardlink]
  [/offline:Offline.xml | /offlinewindir:Dir | /offlinewinold:Dir] [/localonly] [/auto[:Folder]]
scanstate /genconfig:File /i:... [/v:N] [/l:File] [/o] /offlinewindir:Dir

On Linux ScanState reads an offline Windows volume; /vsc needs Windows. A store path of the
form "/name" is read as an option: write it "/name/" or "./name". --json streams events as JSON.
Return codes: 0 success, 1 help, 2 EFS abort, 3 errors skipped with /c, 11 invalid command line,
12 argument too long, 13 log file, 26 init, 27 store location, 28 /i script, 33 key, 36 platform,
39 Config.xml, 40 progress log, 41 /p file, 61 stopped at an I/O error, 72 migration failed.
`;

export const LOADSTATE_HELP = `LoadState (Ferry) - restore user state from a migration store

loadstate StorePath /offlinewindir:<target Windows folder> [/i:[Path\\]File]... [/config:File]
  [/v:N] [/nocompress [/hardlink]] [/decrypt[:AlgID] {/key:Key | /keyfile:File}]
  [/l:File] [/progress:File] [/r:N] [/w:N] [/c]
  [/all | /ui:Dom\\User... /ue:Dom\\User... /uel:Days|YYYY/MM/DD]
  [/md:OldDomain:NewDomain]... [/mu:[OldDomain\\]OldUser:[NewDomain\\]NewUser]...
  [/lac[:Password] [/lae]] [/auto[:Folder]]

/offlinewindir: (Ferry extension) names the target volume's Windows folder. Local accounts
that /lac creates are written to the target's account plan (Windows\\Ferry\\accounts-plan.json).
Return codes: 0 success, 1 help, 3 errors skipped with /c, 11 invalid command line, 14 /lac
needed, 27 store, 28 /i script, 33 key, 36 platform, 37 wrong key, 42 corrupted store, 72 failed.
`;

export const USMTUTILS_HELP = `UsmtUtils (Ferry) - verify, extract or delete migration stores

usmtutils /verify[:summary|all|failureonly|catalog] <StorePath\\USMT\\USMT.MIG> [/l:File] [/v:N]
          [/decrypt[:AlgID] {/key:Key | /keyfile:File}]
usmtutils /extract <USMT.MIG> <Destination> [/i:"*.txt;*.doc"] [/e:*.exe] [/o] [/l:File] [/v:N]
          [/decrypt[:AlgID] {/key:Key | /keyfile:File}]
usmtutils /rd <hard-link store folder> [/y]
usmtutils /ec

Return codes: 0 success, 1 help, 11 invalid command line, 27 not a store, 35 store not removed,
37 wrong key, 42 corrupted store.
`;
