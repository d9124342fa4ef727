import type { Role } from '@lecture/protocol';
import type { ConnectionStatus, TerminalClient } from '@lecture/terminal';
import { useEffect, useState } from 'react';

export function useConnection(client: TerminalClient | undefined): { status: ConnectionStatus; role: Role | undefined } {
  const [value, setValue] = useState<{ status: ConnectionStatus; role: Role | undefined }>({
    status: client ? client.status : 'closed',
    role: client?.role,
  });
  useEffect(() => client?.onStatus((status, role) => setValue({ status, role })), [client]);
  return value;
}
